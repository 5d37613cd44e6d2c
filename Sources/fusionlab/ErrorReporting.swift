import ArgumentParser
import Foundation

/// Prints a user-facing error (no stack trace) and exits non-zero.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ExitCode { throw error } catch let error as ValidationError { throw error } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// A problem with what the command was asked to do (not with how it was called): printed as
/// `error: …` with exit status 1, without the usage text a `ValidationError` brings.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
