/// Counts of values in equal-width bins, for `Chart.histogram`.
public struct Histogram: Sendable {
    public var edges: [Double]
    public var counts: [Double]

    /// `bins` equal bins over lower…upper; values outside fall into the end bins.
    public init(_ values: [Double], bins: Int, lower: Double, upper: Double) {
        precondition(bins > 0 && upper > lower, "a histogram needs bins and a non-empty range")
        let width = (upper - lower) / Double(bins)
        edges = (0...bins).map { lower + width * Double($0) }
        counts = Array(repeating: 0, count: bins)
        for v in values where v.isFinite {
            counts[min(bins - 1, max(0, Int((v - lower) / width)))] += 1
        }
    }

    /// Each bin's share of all values, so groups of different sizes compare.
    public var fractions: [Double] {
        let total = counts.reduce(0, +)
        return total > 0 ? counts.map { $0 / total } : counts
    }
}
