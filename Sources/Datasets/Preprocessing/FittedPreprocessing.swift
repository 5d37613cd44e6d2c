import Foundation

/// Everything preparation learned from a training split — vocabularies, standardisers, the
/// population statistics, bucket edges — so that samples of any dataset with the same format
/// are encoded exactly as the training run encoded its own (`PreparedDataset.apply`). Saved in
/// a run folder's `preprocessing.json`; every number keeps its bits through JSON (shortest
/// round-trip decimals).
public struct FittedPreprocessing: Sendable, Codable, Equatable {
    /// `session_id` or `user_id`: what the training data keyed its sequences by.
    public var sequenceKey: String
    public var sequence: FittedSequence
    public var profile: FittedTable?
    public var attributes: FittedTable?
    /// The auxiliary head's classes: `normal`, then the anomaly types seen in training.
    public var anomalyClassNames: [String]
}

/// The sequence encoder's fitted inputs.
public struct FittedSequence: Sendable, Codable, Equatable {
    /// Token per embedding index of each vocabulary field, by field name (a hashed field has none).
    public var vocabularies: [String: [String]]
    /// Standardiser of each float feature read from events.csv or joined from items.csv, by name.
    public var floatStandardizers: [String: Standardizer]
    public var population: FittedPopulation?
    /// Per float feature: bucket edges and the training values each bucket holds (lower, upper).
    public var floatEdges: [[Float]]
    public var floatBucketRanges: [[[Float]]]

    var bucketRanges: [[ClosedRange<Float>]] { floatBucketRanges.map { $0.map { $0[0]...$0[1] } } }

    /// The standardiser of float feature `name`, or an error naming `file` (the dataset lacks what the run read).
    func standardizer(_ name: String, file: String) throws(DatasetError) -> Standardizer {
        guard let s = floatStandardizers[name] else {
            throw .invalid(file: file, message: "the float feature \"\(name)\" was not part of the trained run's inputs; "
                           + "the dataset must have the columns the run was trained with")
        }
        return s
    }
}

/// A users.csv or items.csv table's fitted encoding, in the order its features were laid out.
public struct FittedTable: Sendable, Codable, Equatable {
    public struct FloatColumn: Sendable, Codable, Equatable {
        public var name: String
        public var standardizer: Standardizer
        /// Whether training rows had missing values (the column then has a `:missing` indicator).
        public var hasMissing: Bool
    }
    public struct TokenColumn: Sendable, Codable, Equatable {
        public var name: String
        /// Token per index (`Vocabulary.tokens`).
        public var tokens: [String]
    }
    public var floats: [FloatColumn]
    public var categorical: [TokenColumn]
    /// `token_seq` columns encoded as bags of their training tokens.
    public var bags: [TokenColumn]
    public var quantileEdges: [[Float]]
}

/// `PopulationStatistics` of the training windows, by item id, and which events they counted.
public struct FittedPopulation: Sendable, Codable, Equatable {
    public struct Column: Sendable, Codable, Equatable {
        public var name: String
        /// Per entry of `items`: the counted sum and number of finite values.
        public var sum: [Double]
        public var finite: [Double]
        public var overall: Standardizer
    }
    /// Items with at least one counted event.
    public var items: [String]
    public var count: [Double]
    public var columns: [Column]
    /// The standardiser of the items' log counts.
    public var logCount: Standardizer
    /// `EventIdentity` hashes of the counted events, sorted, as little-endian bytes in base64: an
    /// event the training statistics counted is measured without itself (leave-one-out) wherever
    /// it is scored again.
    public var countedEvents: String

    /// What laying the statistics over an events table looks up: each item's position in
    /// `items` by id, and the counted events' hashes, decoded (once per fit, not per table).
    struct Lookup: Sendable {
        let positions: [String: Int]
        let countedHashes: [UInt64]

        init(_ fitted: FittedPopulation) {
            var position: [String: Int] = [:]
            for (k, id) in fitted.items.enumerated() { position[id] = k }
            positions = position
            countedHashes = fitted.countedHashes()
        }
    }

    func countedHashes() -> [UInt64] {
        guard let data = Data(base64Encoded: countedEvents) else { return [] }
        return data.withUnsafeBytes { raw in (0..<(data.count / 8)).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) } }
    }

    static func encode(_ hashes: [UInt64]) -> String {
        var data = Data(capacity: hashes.count * 8)
        for h in hashes { withUnsafeBytes(of: h.littleEndian) { data.append(contentsOf: $0) } }
        return data.base64EncodedString()
    }
}

extension Vocabulary {
    /// The vocabulary `tokens` (a fitted one) over another column's interner: a token the fit
    /// never saw is `unknown`.
    init(tokens: [String], interner: TokenInterner) {
        self.init(tokens: tokens, interner: interner, indexOfToken: Self.indexOfToken(tokens))
    }

    /// `indexOfToken`: `indexOfToken(tokens)`, made once by the caller.
    init(tokens: [String], interner: TokenInterner, indexOfToken: [String: Int32]) {
        self.init(indexOfRaw: (0..<interner.count).map { indexOfToken[interner.string(Int32($0))] ?? Vocabulary.unknown }, tokens: tokens)
    }

    /// The index of each fitted token (the reserved entries are not tokens).
    static func indexOfToken(_ tokens: [String]) -> [String: Int32] {
        var index: [String: Int32] = [:]
        for (k, t) in tokens.enumerated() where k >= Vocabulary.reserved { index[t] = Int32(k) }
        return index
    }
}

/// Identifies an event row across datasets of one format: its sequence key, time, type and item.
enum EventIdentity {
    static func hash(key: String, timestamp: Double, eventType: String, item: String) -> UInt64 {
        var text = "\(key)\u{1}\(timestamp.bitPattern)\u{1}\(eventType)\u{1}\(item)"
        return text.withUTF8 { TokenInterner.hash($0) }
    }
}
