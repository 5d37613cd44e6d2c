import Foundation
import Tensor

/// What a random stream is used for. Every entity draws from its own stream, keyed by
/// (seed, purpose, index), so adding a user or an item does not reshuffle the others.
enum StreamPurpose: UInt64 {
    case brand = 1, seller, item, itemImage, sharedImage, pixels, role, user, history, lastSession, imageNames, victims, ratings
}

extension RandomGenerator {
    /// The stream of `purpose` for entity `index` under `seed`.
    static func stream(seed: UInt64, _ purpose: StreamPurpose, _ index: Int = 0) -> RandomGenerator {
        var g = RandomGenerator(seed: seed ^ (purpose.rawValue &* 0x9E37_79B9_7F4A_7C15))
        // A second mixing step keyed by the index decorrelates neighbouring entities.
        return RandomGenerator(seed: g.next() ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
    }

    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextDouble() }

    mutating func bernoulli(_ p: Double) -> Bool { nextDouble() < p }

    mutating func normal(mean: Double, std: Double) -> Double { mean + std * nextNormal() }

    /// Log-normal with the given median and log-space spread.
    mutating func logNormal(median: Double, sigma: Double) -> Double { median * exp(sigma * nextNormal()) }

    /// Log-uniform in [low, high].
    mutating func logUniform(_ low: Double, _ high: Double) -> Double { exp(uniform(log(low), log(high))) }

    /// Uniform integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + nextInt(below: range.count) }

    /// Poisson by inversion (means here are small).
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 40 { return max(0, Int(normal(mean: mean, std: mean.squareRoot()).rounded())) }
        let limit = exp(-mean)
        var k = 0, p = nextDouble()
        while p > limit { k += 1; p *= nextDouble() }
        return k
    }

    /// Geometric count ≥ 0 with the given mean.
    mutating func geometric(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let p = 1 / (1 + mean)
        return Int(log(max(nextDouble(), 1e-12)) / log(1 - p))
    }

    /// Index drawn with probability proportional to `weights`.
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var r = nextDouble() * total
        for (i, w) in weights.enumerated() {
            r -= w
            if r < 0 { return i }
        }
        return weights.count - 1
    }

    mutating func pick<T>(_ values: [T]) -> T { values[nextInt(below: values.count)] }
}

/// Draws indices in proportion to fixed weights by binary search over the cumulative sums.
struct WeightedSampler: Sendable {
    let values: [Int32]
    private let cumulative: [Double]

    init(values: [Int32], weights: [Double]) {
        precondition(values.count == weights.count)
        self.values = values
        var sum = 0.0
        cumulative = weights.map { sum += $0; return sum }
    }

    var isEmpty: Bool { values.isEmpty }

    func sample(_ g: inout RandomGenerator) -> Int32 {
        precondition(!values.isEmpty, "sampling from an empty pool")
        let r = g.nextDouble() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return values[lo]
    }
}
