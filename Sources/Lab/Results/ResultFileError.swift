import Foundation
import Support

/// A results file (metrics.json, summary.csv, a run folder's files) that is missing or not
/// what FusionLab wrote: named by path and, for CSV, line.
public struct ResultFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, _ message: String) { self.path = path; self.line = line; self.message = message }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

extension ResultFileError {
    /// The JSON file at `path` (nil when absent), its syntax errors named by file, line and column.
    static func readJSON(_ path: String) throws(ResultFileError) -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONParser.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw ResultFileError(path: path, line: error.line, "invalid JSON at column \(error.column): \(error.message)")
        }
    }
}
