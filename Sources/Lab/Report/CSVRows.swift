import Foundation
import Support

/// A CSV file read back (RFC 4180: quoted fields may hold commas, quotes and line breaks), for
/// the run files a report draws from.
struct CSVRows {
    var header: [String]
    var rows: [[String]]
    let path: String

    /// nil when the file is absent; an error names the file when it has no header.
    static func read(_ path: String) throws -> CSVRows? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let records = parse(String(decoding: data, as: UTF8.self))
        guard let header = records.first, !header.isEmpty else { throw ResultFileError(path: path, line: 1, "empty: no header") }
        // Record k + 2 (line numbers count records: a quoted field may span lines).
        for (k, record) in records.dropFirst().enumerated() where record.count != header.count {
            throw ResultFileError(path: path, line: k + 2, "expected \(header.count) fields, found \(record.count)")
        }
        return CSVRows(header: header, rows: Array(records.dropFirst()), path: path)
    }

    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The index of `name`, or an error naming the file and what is missing.
    func require(_ name: String) throws -> Int {
        guard let i = column(name) else { throw ResultFileError(path: path, line: 1, "no \(name) column") }
        return i
    }

    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else { quoted = false; afterQuote = true }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\n", "\r":
                if c == "\r" && chars.first == "\n" { chars.removeFirst() }
                record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
