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
    /// Per float: bucket edges of per-event consistency targets (`sequence.events.rating`), see
    /// `bucketEdges`; empty for a float without spread.
    public var floatEdges: [[Float]] = []
    /// Per float and bucket: the smallest and largest standardised training value it holds
    /// (explanations name a bucket by them).
    public var floatBucketRanges: [[ClosedRange<Float>]] = []
    /// Per float: how it was standardised, where it came straight from events.csv (nil: joined or
    /// derived features), so explanations can speak in original units.
    public var floatStandardizers: [Standardizer?] = []
    /// `[samples × maxLength × floatNames.count]`, 1 where an events.csv or joined items.csv value
    /// was missing (standardised to 0, the mean, in `floats`); empty when none is. A per-event
    /// target does not judge such an event.
    public var floatMissing: [UInt8] = []

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

    /// Calls `body(p, k)` for every event of every window: `p` its position in the event
    /// index's order, `k` where feature `f` of it goes in a `[windows × length × width]` array.
    @inline(__always)
    static func forEachWindowEvent(_ histories: [Range<Int>], length: Int, width: Int, feature f: Int, _ body: (Int, Int) -> Void) {
        for (i, h) in histories.enumerated() {
            var k = (i * length) * width + f
            for p in h {
                body(p, k)
                k += width
            }
        }
    }

    /// 1…24 for the UTC hour of a unix timestamp (0 is padding).
    @inline(__always)
    public static func hourIndex(_ timestamp: Double) -> Int32 {
        let seconds = timestamp.truncatingRemainder(dividingBy: 86_400)
        return Int32((seconds < 0 ? seconds + 86_400 : seconds) / 3_600) % 24 + 1
    }
}

/// Quantile edges of each float over the events of training windows (standardised values at
/// `TabularFeatures.quantileLevels`), de-duplicated and below the training maximum, so an
/// integer rating 1…5 gives at most 5 buckets (bucket = number of edges below the value); and
/// each bucket's training value range. Missing values are left out. A strided subsample of at
/// most `cap` events per float keeps preparation cheap on large data; samples may be added in
/// chunks (in sample order), which pick the values one pass would.
struct BucketEdgeSampler {
    let width: Int
    let stride: Int
    private var values: [[Float]]
    private var seen: [Int]

    /// `lengths` and `training` of every sample (they fix the stride).
    init(lengths: [Int32], training: [Bool], width: Int, cap: Int = 1 << 18) {
        var events = 0
        for (i, n) in lengths.enumerated() where training[i] { events += Int(n) }
        self.width = width
        stride = max(1, (events + cap - 1) / cap)
        values = Array(repeating: [], count: width)
        seen = Array(repeating: 0, count: width)
    }

    /// The next samples: their floats and missing marks (`[samples × length × width]`, `missing`
    /// may be empty), lengths and training flags.
    mutating func add(floats: [Float], missing: [UInt8], lengths: ArraySlice<Int32>, training: ArraySlice<Bool>, length: Int) {
        for f in 0..<width {
            floats.withUnsafeBufferPointer { x in
                for (i, n) in zip(lengths, training).enumerated() where n.1 {
                    for k in 0..<Int(n.0) {
                        let at = (i * length + k) * width + f
                        if !missing.isEmpty && missing[at] != 0 { continue }   // a missing value is no rating
                        if seen[f] % stride == 0 { values[f].append(x[at]) }
                        seen[f] += 1
                    }
                }
            }
        }
    }

    func edges() -> (edges: [[Float]], ranges: [[ClosedRange<Float>]]) {
        var edges: [[Float]] = [], ranges: [[ClosedRange<Float>]] = []
        for f in 0..<width {
            let values = values[f].sorted()
            guard let top = values.last else { edges.append([]); ranges.append([]); continue }
            var e: [Float] = []
            for q in TabularFeatures.quantileLevels {
                let v = values[min(values.count - 1, Int(q * Double(values.count)))]
                if v < top && e.last != v { e.append(v) }
            }
            // Each bucket (e[k−1], e[k]] holds e[k] itself; the last holds the maximum.
            var r: [ClosedRange<Float>] = []
            var start = 0
            for k in 0...e.count {
                var end = start
                while end < values.count && (k == e.count || values[end] <= e[k]) { end += 1 }
                r.append(values[min(start, values.count - 1)]...values[max(end - 1, min(start, values.count - 1))])
                start = end
            }
            edges.append(e)
            ranges.append(r)
        }
        return (edges, ranges)
    }
}
