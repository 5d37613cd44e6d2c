import Foundation

/// Per-sample behaviour sequences as fixed-length, right-padded index arrays
/// (`[samples × maxLength]`, row-major): valid events first, oldest to newest, then padding (0).
public struct SequenceFeatures: Sendable {
    public var maxLength: Int
    /// Number of valid events per sample.
    public var lengths: [Int32]
    /// Token fields: `event_type`, `item_id`, optional `category_id`, `gap`, `hour`, extra columns.
    public var tokenFields: [TokenField]
    /// Extra float features per event, `[samples × maxLength × floatNames.count]`.
    public var floatNames: [String]
    public var floats: [Float]

    public struct TokenField: Sendable {
        public var name: String
        /// Embedding table size (indices are in 0..<size; 0 = padding).
        public var size: Int
        public var values: [Int32]
        /// Token per index, where the field has a vocabulary (explanations name values with it).
        public var tokens: [String]? = nil
    }

    public func field(_ name: String) -> TokenField? { tokenFields.first { $0.name == name } }

    /// Bucket of the gap (seconds) since the previous event: 1 for the first event, then
    /// 2 + ⌊log2(1 + gap)⌋, capped at `buckets − 1`.
    @inline(__always)
    public static func gapBucket(_ gap: Double?, buckets: Int) -> Int32 {
        guard let gap else { return 1 }
        let g = max(gap, 0)
        let b = 2 + Int(log2(1 + g))
        return Int32(min(b, buckets - 1))
    }

    /// 1…24 for the UTC hour of a unix timestamp (0 is padding).
    @inline(__always)
    public static func hourIndex(_ timestamp: Double) -> Int32 {
        let seconds = timestamp.truncatingRemainder(dividingBy: 86_400)
        return Int32((seconds < 0 ? seconds + 86_400 : seconds) / 3_600) % 24 + 1
    }
}

