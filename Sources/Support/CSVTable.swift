/// A table written as RFC 4180 CSV: comma-separated, CRLF-free (LF line ends, which every CSV
/// reader accepts), fields quoted when they hold a comma, quote or line break, quotes doubled.
/// Numbers are written with full round-trip precision; a missing value is an empty field.
public struct CSVTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "row of \(row.count) fields for \(header.count) columns")
        rows.append(row)
    }

    public var text: String {
        ([header] + rows).map { $0.map(Self.quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Full precision (shortest round-trip form); nil → empty field.
    public static func number(_ v: Double?) -> String {
        guard let v else { return "" }
        if v == v.rounded() && Swift.abs(v) < 1e15 { return String(Int(v)) }
        return "\(v)"
    }

    public func write(to path: String) throws(DurableFile.WriteError) { try DurableFile.write(text, to: path) }

    /// The same table as GitHub-flavoured Markdown (pipes escaped).
    public var markdown: String {
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return ([line(header), "|" + header.map { _ in "---" }.joined(separator: "|") + "|"] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

import Foundation
