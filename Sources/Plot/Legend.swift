/// A legend entry: what a colour (and dash) stands for.
public struct LegendEntry: Sendable {
    public enum Symbol: Sendable { case line(dash: String), swatch, point }
    public var label: String
    public var color: String
    public var symbol: Symbol

    public init(_ label: String, color: String, symbol: Symbol = .swatch) { self.label = label; self.color = color; self.symbol = symbol }
}

/// Legends drawn as a column beside a plot (one entry a row, so nine long variant names
/// never overlap) or as wrapped rows below it.
enum Legend {
    static let rowHeight = 18.0
    static let symbolWidth = 22.0
    static let fontSize = 11.0

    static func entryWidth(_ e: LegendEntry) -> Double { symbolWidth + 6 + Typography.width(e.label, size: fontSize) }

    /// Width of the column form.
    static func columnWidth(_ entries: [LegendEntry]) -> Double { entries.map(entryWidth).max() ?? 0 }

    /// Rows needed to wrap `entries` into `width`.
    static func rows(_ entries: [LegendEntry], width: Double) -> [[LegendEntry]] {
        var rows: [[LegendEntry]] = [[]], used = 0.0
        for e in entries {
            let w = entryWidth(e) + 16
            if used + w > width && !rows[rows.count - 1].isEmpty { rows.append([]); used = 0 }
            rows[rows.count - 1].append(e); used += w
        }
        return rows.filter { !$0.isEmpty }
    }

    static func drawSymbol(_ e: LegendEntry, x: Double, y: Double, into svg: inout SVGWriter) {
        switch e.symbol {
        case let .line(dash): svg.line(x1: x, y1: y, x2: x + symbolWidth, y2: y, stroke: e.color, width: 2.5, dash: dash)
        case .swatch: svg.rect(x: x + 4, y: y - 6, width: 14, height: 12, fill: e.color)
        case .point: svg.circle(cx: x + symbolWidth / 2, cy: y, r: 4.5, fill: e.color, stroke: "#fff")
        }
    }

    static func drawColumn(_ entries: [LegendEntry], x: Double, y: Double, into svg: inout SVGWriter) {
        for (k, e) in entries.enumerated() {
            let cy = y + Double(k) * rowHeight + rowHeight / 2
            drawSymbol(e, x: x, y: cy, into: &svg)
            svg.text(e.label, x: x + symbolWidth + 6, y: cy + 4, size: fontSize)
        }
    }

    static func drawRows(_ rows: [[LegendEntry]], x: Double, y: Double, into svg: inout SVGWriter) {
        for (r, row) in rows.enumerated() {
            var cx = x
            let cy = y + Double(r) * rowHeight + rowHeight / 2
            for e in row {
                drawSymbol(e, x: cx, y: cy, into: &svg)
                svg.text(e.label, x: cx + symbolWidth + 6, y: cy + 4, size: fontSize)
                cx += entryWidth(e) + 16
            }
        }
    }
}
