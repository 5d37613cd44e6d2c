/// What an x–y chart draws, in data coordinates.
public enum ChartMark: Sendable {
    case line(xs: [Double], ys: [Double], color: String, width: Double, dash: String)
    /// A shaded region between `lower` and `upper` (e.g. mean ± std over seeds).
    case band(xs: [Double], lower: [Double], upper: [Double], color: String, opacity: Double)
    /// Markers, with optional symmetric error bars and hover titles.
    case points(xs: [Double], ys: [Double], color: String, radius: Double, errorX: [Double]?, errorY: [Double]?, titles: [String]?)
    /// A histogram drawn as a filled step outline: `edges` has one more value than `heights`.
    case histogram(edges: [Double], heights: [Double], color: String, opacity: Double)
    /// A full-height vertical line (a threshold, 1% FPR), labelled at the top.
    case verticalRule(x: Double, color: String, dash: String, label: String?)
    case text(x: Double, y: Double, text: String, color: String, anchor: SVGWriter.Anchor)

    var xs: [Double] {
        switch self {
        case let .line(xs, _, _, _, _), let .band(xs, _, _, _, _): xs
        case let .points(xs, _, _, _, ex, _, _): ex.map { e in zip(xs, e).flatMap { [$0 - $1, $0 + $1] } } ?? xs
        case let .histogram(edges, _, _, _): edges
        case let .verticalRule(x, _, _, _), let .text(x, _, _, _, _): [x]
        }
    }

    var ys: [Double] {
        switch self {
        case let .line(_, ys, _, _, _): ys
        case let .band(_, lower, upper, _, _): lower + upper
        case let .points(_, ys, _, _, _, ey, _): ey.map { e in zip(ys, e).flatMap { [$0 - $1, $0 + $1] } } ?? ys
        case let .histogram(_, heights, _, _): heights + [0]
        case .verticalRule: []
        case let .text(_, y, _, _, _): [y]
        }
    }
}
