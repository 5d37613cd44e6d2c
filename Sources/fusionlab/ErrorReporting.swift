import ArgumentParser
import Foundation

/// Prints a user-facing error (no stack trace) and exits non-zero.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ExitCode { throw error } catch let error as ValidationError { throw error } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
