import Foundation

/// The values of one column, stored by type. Token ids index the column's `tokens` interner;
/// −1 marks a missing token, NaN a missing float. Sequences are flattened with offsets
/// (row r holds `values[offsets[r]..<offsets[r+1]]`).
public enum ColumnValues: Sendable {
    case tokens([Int32])
    case floats([Double])
    case tokenSequences(offsets: [Int32], ids: [Int32])
    case floatSequences(offsets: [Int32], values: [Double])
}

public struct Column: Sendable {
    public var spec: ColumnSpec
    public var values: ColumnValues
    /// The raw token strings of a token or token_seq column, in order of first appearance.
    public var tokens: TokenInterner

    public var name: String { spec.name }

    public var tokenIDs: [Int32]? { if case let .tokens(v) = values { v } else { nil } }
    public var floatValues: [Double]? { if case let .floats(v) = values { v } else { nil } }
}

/// One atomic file read whole: typed columns plus the source line of every row (for messages).
public struct AtomicTable: Sendable {
    public var file: String
    public var columns: [Column]
    public var lines: [Int32]

    public var rowCount: Int { lines.count }

    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    public func hasColumn(_ name: String) -> Bool { columns.contains { $0.name == name } }

    /// The column, or an error that says which file lacks it and what it holds.
    public func require(_ name: String, type: ColumnType? = nil) throws(DatasetError) -> Column {
        guard let c = column(name) else {
            throw .missingColumn(file: file, column: name,
                                 hint: "Columns present: \(columns.map { "\($0.name):\($0.spec.type.rawValue)" }.joined(separator: ", ")).")
        }
        if let type, c.spec.type != type {
            throw .invalid(file: file, message: "column \"\(name)\" must be of type \(type.rawValue), found \(c.spec.type.rawValue)")
        }
        return c
    }
}

extension AtomicTable {
    /// Reads an atomic file (`.csv` comma-separated; RecBole's `.inter` `.user` `.item` tab-separated).
    /// `displayName` is what messages call the file (default: the path).
    public static func read(path: String, displayName: String? = nil) throws(DatasetError) -> AtomicTable {
        let name = displayName ?? path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .missingFile(path: name, hint: "Check the dataset folder and the file name.")
        }
        defer { try? handle.close() }
        let data: Foundation.Data
        do { data = try handle.readToEnd() ?? Foundation.Data() } catch {
            throw .invalid(file: name, message: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(bytes: [UInt8](data), file: name, delimiter: DelimitedReader.delimiter(forPath: path))
    }

    /// Parses atomic-file text already in memory.
    public static func parse(bytes: [UInt8], file: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(DatasetError) -> AtomicTable {
        let reader = DelimitedReader(file: file, bytes: bytes, delimiter: delimiter)
        var builders: [ColumnBuilder] = []
        var lines: [Int32] = []
        try reader.forEachRecord { (line: Int, fields: UnsafeBufferPointer<FieldRange>, b: UnsafeBufferPointer<UInt8>) throws(DatasetError) in
            if builders.isEmpty {
                var seen = Set<String>()
                for (k, f) in fields.enumerated() {
                    let spec = try ColumnSpec.parse(DelimitedReader.string(f, b).trimmingCharacters(in: .whitespaces), file: file, column: k + 1)
                    guard seen.insert(spec.name).inserted else {
                        throw .csv(file: file, line: line, column: k + 1, message: "column \"\(spec.name)\" appears twice in the header")
                    }
                    builders.append(ColumnBuilder(spec: spec))
                }
                return
            }
            guard fields.count == builders.count else {
                throw .csv(file: file, line: line, column: min(fields.count, builders.count) + 1,
                           message: "expected \(builders.count) fields as in the header, found \(fields.count)")
            }
            for k in 0..<fields.count {
                try builders[k].append(fields[k], b, file: file, line: line, column: k + 1)
            }
            lines.append(Int32(truncatingIfNeeded: line))
        }
        guard !builders.isEmpty else { throw .invalid(file: file, message: "is empty; the first line must be a typed header such as user_id:token,age:float") }
        return AtomicTable(file: file, columns: builders.map { $0.finish() }, lines: lines)
    }
}

/// Accumulates one column while the file is read.
struct ColumnBuilder {
    let spec: ColumnSpec
    var tokens = TokenInterner()
    var ids: [Int32] = []
    var floats: [Double] = []
    var offsets: [Int32] = [0]
    private var scratch = [UInt8](repeating: 0, count: 64)

    init(spec: ColumnSpec) { self.spec = spec }

    mutating func append(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>, file: String, line: Int, column: Int) throws(DatasetError) {
        let raw = UnsafeBufferPointer(rebasing: b[f.start..<f.end])
        if f.escaped {
            let text = Array(DelimitedReader.string(f, b).utf8)
            try text.withUnsafeBufferPointer { (t: UnsafeBufferPointer<UInt8>) throws(DatasetError) in try appendText(t, file: file, line: line, column: column) }
        } else {
            try appendText(raw, file: file, line: line, column: column)
        }
    }

    private mutating func appendText(_ t: UnsafeBufferPointer<UInt8>, file: String, line: Int, column: Int) throws(DatasetError) {
        switch spec.type {
        case .token:
            ids.append(t.isEmpty ? -1 : tokens.intern(t))
        case .float:
            floats.append(try parseFloat(t, file: file, line: line, column: column))
        case .tokenSequence:
            try forEachWord(t) { (w: UnsafeBufferPointer<UInt8>) throws(DatasetError) in ids.append(tokens.intern(w)) }
            offsets.append(Int32(ids.count))
        case .floatSequence:
            try forEachWord(t) { (w: UnsafeBufferPointer<UInt8>) throws(DatasetError) in floats.append(try parseFloat(w, file: file, line: line, column: column)) }
            offsets.append(Int32(floats.count))
        }
    }

    private func forEachWord(_ t: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(DatasetError) -> Void) throws(DatasetError) {
        var i = 0
        while i < t.count {
            while i < t.count && t[i] == UInt8(ascii: " ") { i += 1 }
            let start = i
            while i < t.count && t[i] != UInt8(ascii: " ") { i += 1 }
            if i > start { try body(UnsafeBufferPointer(rebasing: t[start..<i])) }
        }
    }

    /// Decimal or scientific notation; an empty field is missing (NaN).
    private mutating func parseFloat(_ t: UnsafeBufferPointer<UInt8>, file: String, line: Int, column: Int) throws(DatasetError) -> Double {
        var lo = 0, hi = t.count
        while lo < hi && (t[lo] == 32 || t[lo] == 9) { lo += 1 }
        while hi > lo && (t[hi - 1] == 32 || t[hi - 1] == 9) { hi -= 1 }
        if lo == hi { return .nan }
        let n = hi - lo
        if scratch.count < n + 1 { scratch = [UInt8](repeating: 0, count: n + 1) }
        let value: Double? = scratch.withUnsafeMutableBufferPointer { s in
            for k in 0..<n { s[k] = t[lo + k] }
            s[n] = 0
            return s.baseAddress!.withMemoryRebound(to: CChar.self, capacity: n + 1) { p in
                var end: UnsafeMutablePointer<CChar>?
                let v = strtod(p, &end)
                return end == p + n ? v : nil
            }
        }
        guard let value, !value.isNaN || n == 3 else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: t[lo..<hi]), as: UTF8.self)
            throw .csv(file: file, line: line, column: column,
                       message: "\"\(text)\" is not a number (column \"\(spec.name)\" is declared :\(spec.type.rawValue); leave the field empty for a missing value)")
        }
        return value
    }

    func finish() -> Column {
        let values: ColumnValues = switch spec.type {
        case .token: .tokens(ids)
        case .float: .floats(floats)
        case .tokenSequence: .tokenSequences(offsets: offsets, ids: ids)
        case .floatSequence: .floatSequences(offsets: offsets, values: floats)
        }
        return Column(spec: spec, values: values, tokens: tokens)
    }
}
