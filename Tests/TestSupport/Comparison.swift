/// Element-wise comparisons that cannot pass vacuously: arrays of different lengths, or empty
/// ones, never compare as close (a bare `zip` would stop at the shorter and accept an empty result).

/// The largest |got − want|; +∞ when the lengths differ or there is nothing to compare.
public func maxAbsoluteDifference<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ got: [A], _ want: [B]) -> Double {
    guard got.count == want.count, !got.isEmpty else { return .infinity }
    var m = 0.0
    for (a, b) in zip(got, want) {
        let d = Swift.abs(Double(a) - Double(b))
        if !(d <= m) { m = d }  // NaN propagates as a failure
    }
    return m
}

/// Same length, not empty, and every |got − want| ≤ tolerance.
public func allClose<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ got: [A], _ want: [B], tolerance: Double) -> Bool {
    maxAbsoluteDifference(got, want) <= tolerance
}
