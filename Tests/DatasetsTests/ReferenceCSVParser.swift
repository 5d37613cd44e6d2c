import Foundation
@testable import Datasets

/// The straightforward reader the block-parallel one replaced (one pass over the whole text, a
/// dictionary for interning, strtod for every number), kept as the reference it must match:
/// values, token order, lines and errors.
struct ReferenceTable: Equatable {
    struct Column: Equatable {
        var name: String
        var type: ColumnType
        var tokens: [String] = []
        var ids: [Int32] = []
        var floatBits: [UInt64] = []
        var offsets: [Int32] = [0]
    }
    var columns: [Column]
    var lines: [Int32]

    /// The same view of a table read by `AtomicTable`.
    init(_ table: AtomicTable) {
        lines = table.lines
        columns = table.columns.map { c in
            var r = Column(name: c.name, type: c.spec.type, tokens: c.tokens.strings)
            switch c.values {
            case let .tokens(v): r.ids = v
            case let .floats(v): r.floatBits = v.map(\.bitPattern)
            case let .tokenSequences(o, v): r.offsets = o; r.ids = v
            case let .floatSequences(o, v): r.offsets = o; r.floatBits = v.map(\.bitPattern)
            }
            return r
        }
    }

    init(columns: [Column], lines: [Int32]) { self.columns = columns; self.lines = lines }

    /// Where two tables first differ (nil if equal), short enough for a test message.
    func firstDifference(from other: ReferenceTable) -> String? {
        func first<T: Equatable>(_ a: [T], _ b: [T]) -> String? {
            if a == b { return nil }
            let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            return "at \(k): \(k < a.count ? "\(a[k])" : "end") vs \(k < b.count ? "\(b[k])" : "end") (counts \(a.count), \(b.count))"
        }
        if let d = first(lines, other.lines) { return "lines \(d)" }
        guard columns.count == other.columns.count else { return "\(columns.count) columns vs \(other.columns.count)" }
        for (a, b) in zip(columns, other.columns) {
            if a.name != b.name || a.type != b.type { return "column \(a.name) vs \(b.name)" }
            if let d = first(a.tokens, b.tokens) { return "\(a.name) tokens \(d)" }
            if let d = first(a.ids, b.ids) { return "\(a.name) ids \(d)" }
            if let d = first(a.floatBits, b.floatBits) { return "\(a.name) float bits \(d)" }
            if let d = first(a.offsets, b.offsets) { return "\(a.name) offsets \(d)" }
        }
        return nil
    }
}

enum ReferenceCSVParser {
    static func parse(_ bytes: [UInt8], file: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(DatasetError) -> ReferenceTable {
        var columns: [ReferenceTable.Column] = []
        var interners: [[String: Int32]] = []
        var lines: [Int32] = []
        var headerSeen = false
        try forEachRecord(bytes, file: file, delimiter: delimiter) { (line: Int, fields: [(start: Int, end: Int, escaped: Bool)]) throws(DatasetError) in
            func text(_ f: (start: Int, end: Int, escaped: Bool)) -> String {
                let s = String(decoding: bytes[f.start..<f.end], as: UTF8.self)
                return f.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
            }
            if !headerSeen {
                headerSeen = true
                var seen = Set<String>()
                for (k, f) in fields.enumerated() {
                    let spec = try ColumnSpec.parse(text(f).trimmingCharacters(in: .whitespaces), file: file, column: k + 1)
                    guard seen.insert(spec.name).inserted else {
                        throw .csv(file: file, line: line, column: k + 1, message: "column \"\(spec.name)\" appears twice in the header")
                    }
                    columns.append(.init(name: spec.name, type: spec.type))
                    interners.append([:])
                }
                return
            }
            guard fields.count == columns.count else {
                throw .csv(file: file, line: line, column: min(fields.count, columns.count) + 1,
                           message: "expected \(columns.count) fields as in the header, found \(fields.count)")
            }
            for k in 0..<fields.count {
                let t = text(fields[k])
                func intern(_ s: String) -> Int32 {
                    if let id = interners[k][s] { return id }
                    let id = Int32(columns[k].tokens.count)
                    interners[k][s] = id
                    columns[k].tokens.append(s)
                    return id
                }
                // Spaces and tabs are bytes to the reader, not Characters: " \u{59D}" (a space and
                // a combining mark) is one Character but still a space then a word.
                func words(_ s: String) -> [Substring] {
                    s.unicodeScalars.split(separator: " ").map { Substring($0) }
                }
                func number(_ s: Substring) throws(DatasetError) -> Double {
                    let trimmed = s.unicodeScalars.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
                    let body = String(String.UnicodeScalarView(trimmed))
                    if body.isEmpty { return .nan }
                    var end: UnsafeMutablePointer<CChar>?
                    let v = body.withCString { p in
                        let v = strtod(p, &end)
                        return end == UnsafeMutablePointer(mutating: p) + body.utf8.count ? v : nil
                    }
                    guard let v, !v.isNaN || body.utf8.count == 3 else {
                        throw .csv(file: file, line: line, column: k + 1,
                                   message: "\"\(body)\" is not a number (column \"\(columns[k].name)\" is declared :\(columns[k].type.rawValue); leave the field empty for a missing value)")
                    }
                    return v
                }
                switch columns[k].type {
                case .token:
                    columns[k].ids.append(t.isEmpty ? -1 : intern(t))
                case .float:
                    columns[k].floatBits.append(try number(Substring(t)).bitPattern)
                case .tokenSequence:
                    for w in words(t) { columns[k].ids.append(intern(String(w))) }
                    columns[k].offsets.append(Int32(columns[k].ids.count))
                case .floatSequence:
                    for w in words(t) { columns[k].floatBits.append(try number(w).bitPattern) }
                    columns[k].offsets.append(Int32(columns[k].floatBits.count))
                }
            }
            lines.append(Int32(line))
        }
        guard headerSeen else { throw .invalid(file: file, message: "is empty; the first line must be a typed header such as user_id:token,age:float") }
        return ReferenceTable(columns: columns, lines: lines)
    }

    /// RFC 4180 records, as the original reader found them.
    static func forEachRecord(_ b: [UInt8], file: String, delimiter delim: UInt8,
                              _ body: (Int, [(start: Int, end: Int, escaped: Bool)]) throws(DatasetError) -> Void) throws(DatasetError) {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let n = b.count
        var i = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
        var line = 1
        while i < n {
            let recordLine = line
            var fields: [(start: Int, end: Int, escaped: Bool)] = []
            if b[i] == lf { line += 1; i += 1; continue }
            if b[i] == cr && i + 1 < n && b[i + 1] == lf { line += 1; i += 2; continue }
            var atRecordEnd = false
            while !atRecordEnd {
                if i < n && b[i] == quote {
                    let open = i
                    i += 1
                    let start = i
                    var escaped = false
                    while true {
                        guard i < n else {
                            throw .csv(file: file, line: recordLine, column: fields.count + 1,
                                       message: "unterminated quoted field (opened at byte \(open)); close it with a double quote")
                        }
                        if b[i] == quote {
                            if i + 1 < n && b[i + 1] == quote { escaped = true; i += 2; continue }
                            break
                        }
                        if b[i] == lf { line += 1 }
                        i += 1
                    }
                    fields.append((start, i, escaped))
                    i += 1
                    if i < n && b[i] != delim && b[i] != lf && !(b[i] == cr && i + 1 < n && b[i + 1] == lf) && b[i] != cr {
                        throw .csv(file: file, line: line, column: fields.count,
                                   message: "unexpected character \"\(Character(Unicode.Scalar(b[i])))\" after a closing quote; a quoted field must end at the delimiter")
                    }
                } else {
                    let start = i
                    while i < n && b[i] != delim && b[i] != lf && b[i] != cr {
                        if b[i] == quote {
                            throw .csv(file: file, line: line, column: fields.count + 1,
                                       message: "quote inside an unquoted field; quote the whole field and double the inner quote (\"\"\"\")")
                        }
                        i += 1
                    }
                    fields.append((start, i, false))
                }
                if i < n && b[i] == delim { i += 1; continue }
                if i < n && b[i] == cr { i += 1 }
                if i < n && b[i] == lf { i += 1 }
                line += 1
                atRecordEnd = true
            }
            try body(recordLine, fields)
        }
    }
}
