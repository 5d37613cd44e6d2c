import Foundation
import Tensor

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
    /// The first field (in file order) with a missing value — an empty token or float field, or
    /// `nan` — and the first with an infinite number (`inf`, `-inf`, or too large for a double).
    /// `RawDataset` turns them into errors by the rules of docs/DATASETS.md.
    public var firstMissing: FieldSite?
    public var firstInfinite: FieldSite?

    public var name: String { spec.name }

    public var tokenIDs: [Int32]? { if case let .tokens(v) = values { v } else { nil } }
    public var floatValues: [Double]? { if case let .floats(v) = values { v } else { nil } }
}

/// One atomic file read whole: typed columns plus the source line of every row (for messages).
public struct AtomicTable: Sendable {
    public var file: String
    public var columns: [Column]
    public var lines: [Int32]
    /// Where the values are when the table was read with `read(path:spillingTo:)`: its columns
    /// then hold no values (`loading` reads them back) and `lines` is empty (`line(_:)`).
    public var spilled: SpilledColumns? = nil

    public var rowCount: Int { spilled?.rowCount ?? lines.count }

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
    /// `displayName` is what messages call the file (default: the path). The file is read in
    /// blocks (memory holds the columns and one block of text), parsed on up to
    /// `ComputeThreads.count` threads.
    public static func read(path: String, displayName: String? = nil) throws(DatasetError) -> AtomicTable {
        let name = displayName ?? path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw .missingFile(path: name, hint: "Check the dataset folder and the file name.")
        }
        defer { close(descriptor) }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : nil
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw .invalid(file: name, message: "cannot be read: it is a folder")
        }
        var source = FileByteSource(descriptor: descriptor, file: name)
        return try TableReader.read(&source, file: name, delimiter: DelimitedReader.delimiter(forPath: path), sizeHint: size)
    }

    /// Parses atomic-file text already in memory.
    public static func parse(bytes: [UInt8], file: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(DatasetError) -> AtomicTable {
        try parse(bytes: bytes, file: file, delimiter: delimiter, blockSize: 8 << 20, threads: ComputeThreads.count, minimumPieceBytes: 1 << 20)
    }

    /// `parse` with the block size and thread count chosen (tests make both small to reach
    /// every path of the block and piece logic).
    static func parse(bytes: [UInt8], file: String, delimiter: UInt8, blockSize: Int, threads: Int, minimumPieceBytes: Int) throws(DatasetError) -> AtomicTable {
        var source = MemoryByteSource(bytes: bytes)
        return try TableReader.read(&source, file: file, delimiter: delimiter, sizeHint: bytes.count,
                                    blockSize: blockSize, threads: threads, minimumPieceBytes: minimumPieceBytes)
    }
}
