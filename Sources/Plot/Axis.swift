/// One axis of a chart: its label (with the unit), scale kind and, if fixed, its domain.
public struct Axis: Sendable {
    public var label: String
    public var kind: Scale.Kind
    /// nil: from the data, widened to nice ticks (to whole decades on a log axis).
    public var domain: (Double, Double)?
    public var tickCount: Int

    public init(_ label: String, kind: Scale.Kind = .linear, domain: (Double, Double)? = nil, tickCount: Int = 6) {
        self.label = label; self.kind = kind; self.domain = domain; self.tickCount = tickCount
    }

    /// The domain to draw: the fixed one, or the data's extent made nice.
    func resolvedDomain(_ values: [Double], includeZero: Bool = false) -> (Double, Double) {
        if let domain { return domain }
        switch kind {
        case .log:
            let positive = values.filter { $0 > 0 && $0.isFinite }
            guard let lo = positive.min(), let hi = positive.max() else { return (0.1, 1) }
            let d = NiceTicks.decades(lo / 10, hi * 10)
            let lower = d.last { $0 <= lo } ?? lo, upper = d.first { $0 >= hi } ?? hi
            return upper > lower ? (lower, upper) : (lower, lower * 10)
        case .linear:
            var finite = values.filter(\.isFinite)
            if includeZero { finite.append(0) }
            guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
            return NiceTicks.expand(lo, hi, count: tickCount)
        }
    }

    /// Tick values and their labels for `scale`, thinned until the labels fit `length` pixels
    /// (horizontal axis) without touching.
    func ticks(_ scale: Scale, length: Double, horizontal: Bool) -> [(value: Double, label: String)] {
        func labelled(_ count: Int) -> [(Double, String)] {
            let values = scale.ticks(count: count)
            if scale.kind == .log { return values.map { ($0, NiceTicks.logLabel($0)) } }
            let step = values.count > 1 ? values[1] - values[0] : 1
            return values.map { ($0, NiceTicks.label($0, step: step)) }
        }
        var count = tickCount
        while count > 2 {
            let t = labelled(count)
            let needed = horizontal ? t.map { Typography.width($0.1, size: 11) + 10 }.reduce(0, +) : Double(t.count) * 16
            if needed <= length || (scale.kind == .log && count < 3) { return t.map { (value: $0.0, label: $0.1) } }
            count -= 1
        }
        var t = labelled(2)
        if scale.kind == .log && t.count > 2 {
            // Too many decades for the width: every other one.
            t = t.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        }
        return t.map { (value: $0.0, label: $0.1) }
    }
}
