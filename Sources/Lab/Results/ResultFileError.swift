/// A results file (metrics.json, summary.csv, a run folder's files) that is missing or not
/// what FusionLab wrote: named by path and, for CSV, line.
public struct ResultFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, _ message: String) { self.path = path; self.line = line; self.message = message }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
