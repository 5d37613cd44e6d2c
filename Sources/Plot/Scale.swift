import Foundation

/// Maps data values in `domain` to pixels in `range` (which may run backwards, as y does),
/// linearly or by decades.
public struct Scale: Sendable {
    public enum Kind: Sendable { case linear, log }
    public var kind: Kind
    public var domain: (lower: Double, upper: Double)
    public var range: (start: Double, end: Double)

    public init(kind: Kind = .linear, domain: (Double, Double), range: (Double, Double)) {
        self.kind = kind; self.domain = (domain.0, domain.1); self.range = (range.0, range.1)
    }

    func transform(_ v: Double) -> Double { kind == .log ? log10(v) : v }

    /// The pixel for `v`, clamped to the range (lines leaving the plot run along its edge
    /// rather than across the labels); nil for values a log scale cannot show.
    public func map(_ v: Double) -> Double? {
        guard v.isFinite, kind == .linear || v > 0 else { return nil }
        let a = transform(domain.lower), b = transform(domain.upper)
        let t = b == a ? 0.5 : (transform(v) - a) / (b - a)
        return range.start + min(1, max(0, t)) * (range.end - range.start)
    }

    /// Tick positions (data values) inside the domain.
    public func ticks(count: Int = 5) -> [Double] {
        switch kind {
        case .linear: NiceTicks.linear(domain.lower, domain.upper, count: count).filter { $0 >= domain.lower - 1e-9 * Swift.abs(domain.upper - domain.lower) && $0 <= domain.upper + 1e-9 * Swift.abs(domain.upper - domain.lower) }
        case .log: NiceTicks.decades(domain.lower, domain.upper)
        }
    }
}

/// Tick values a reader can add up in their head: steps of 1, 2 or 5 × 10ⁿ (Heckbert, "Nice
/// numbers for graph labels", Graphics Gems 1990), and whole decades on log axes.
public enum NiceTicks {
    /// A "nice" number near `x`: 1, 2, 5 or 10 × 10ⁿ, rounded or taken as a ceiling.
    public static func nice(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = floor(log10(x)), fraction = x / pow(10, exponent)
        let niceFraction: Double
        if round { niceFraction = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10 }
        else { niceFraction = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10 }
        return niceFraction * pow(10, exponent)
    }

    /// The step between about `count` ticks spanning lower…upper.
    public static func step(_ lower: Double, _ upper: Double, count: Int = 5) -> Double {
        let span = nice(upper - lower, round: false)
        return nice(span / Double(max(1, count - 1)), round: true)
    }

    /// Ticks at multiples of the nice step, from the first at or below `lower` to the first at or above `upper`.
    public static func linear(_ lower: Double, _ upper: Double, count: Int = 5) -> [Double] {
        guard upper > lower else { return [lower] }
        let s = step(lower, upper, count: count)
        let first = floor(lower / s + 1e-9), last = ceil(upper / s - 1e-9)
        return stride(from: first, through: last, by: 1).map { cleaned($0 * s) }
    }

    /// A domain widened to whole nice steps, so the axis begins and ends on a tick.
    public static func expand(_ lower: Double, _ upper: Double, count: Int = 5) -> (Double, Double) {
        guard upper > lower else { return lower == 0 ? (0, 1) : (min(0, lower * 2), max(0, lower * 2)) }
        let t = linear(lower, upper, count: count)
        return (t.first!, t.last!)
    }

    /// Powers of ten from the one at or below `lower` to the one at or above `upper`, kept
    /// inside the domain.
    public static func decades(_ lower: Double, _ upper: Double) -> [Double] {
        guard lower > 0, upper > lower else { return [] }
        let a = Int(floor(log10(lower) + 1e-9)), b = Int(ceil(log10(upper) - 1e-9))
        return (a...b).map { pow(10, Double($0)) }.filter { $0 >= lower * (1 - 1e-9) && $0 <= upper * (1 + 1e-9) }
    }

    /// `x` with the float noise of multiplying a step removed (0.30000000000000004 → 0.3).
    static func cleaned(_ x: Double) -> Double { Double(String(format: "%.12g", x)) ?? x }

    /// A tick label with as many decimals as the step needs (0, 0.2, 0.4 — not 0.200).
    public static func label(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 || step <= 0 ? 0 : Int(ceil(-log10(step) - 1e-9))
        let text = String(format: "%.\(min(decimals, 6))f", value)
        // A value that rounds to zero prints without a sign.
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// A log-axis label: plain decimals from 0.0001 to 10⁵, else 1e-6.
    public static func logLabel(_ value: Double) -> String {
        guard value >= 1e-4, value < 1e5 else { return String(format: "%.0e", value) }
        return value >= 1 ? String(Int(value.rounded())) : String(format: "%.\(Int(ceil(-log10(value) - 1e-9)))f", value)
    }
}
