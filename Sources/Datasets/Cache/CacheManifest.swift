import Foundation

/// `manifest.json` of a prepared-data cache: what the columns are and where, their checksums,
/// what they were prepared from (the source files' sizes and times, the config fields that
/// shape them) and the small facts a `PreparedDataset` needs beside its columns.
public struct CacheManifest: Codable, Sendable {
    /// Bumped whenever the layout or the meaning of a column changes.
    public static let currentFormat = 1
    public static let fileName = "manifest.json"

    public var format: Int
    public var source: SourceFingerprint
    /// The config fields that shaped the columns (`data.max_length`, `data.split.seed`, …), by
    /// dotted path, each value as compact JSON.
    public var shapedBy: [String: String]
    public var columns: [CacheColumn]
    public var facts: PreparedFacts

    public func column(_ name: String) -> CacheColumn? { columns.first { $0.name == name } }
}

/// Element types of cache columns. `utf8` columns hold `count + 1` little-endian Int64 offsets,
/// then the strings' bytes.
public enum CacheDType: String, Codable, Sendable {
    case int8, uint8, int32, float32, utf8

    var size: Int {
        switch self {
        case .int8, .uint8, .utf8: 1
        case .int32, .float32: 4
        }
    }
}

/// One column file: `shape[0]` rows (samples, or image slots), the rest per row, row-major,
/// little-endian. Checksums are CRC-32C per block of `blockBytes`, so a reader verifies only the
/// blocks it reads.
public struct CacheColumn: Codable, Sendable {
    public var name: String
    public var dtype: CacheDType
    public var shape: [Int]
    public var file: String
    public var bytes: Int
    public var blockBytes: Int
    public var checksums: [UInt32]

    /// Bytes of one row (every dimension but the first).
    var rowBytes: Int { shape.dropFirst().reduce(dtype.size, *) }
}
