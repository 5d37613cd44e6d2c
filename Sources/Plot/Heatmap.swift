import Foundation

/// A grid of coloured cells with their values written in, row and column labels, and a colour
/// bar saying what the colours mean.
public struct Heatmap: Sendable {
    public enum ColorMap: Sendable {
        /// Light (lower) to dark blue (upper).
        case sequential(lower: Double, upper: Double)
        /// Orange (−limit) through white (0) to purple (+limit).
        case diverging(limit: Double)
    }

    public var rows: [String]
    public var columns: [String]
    /// values[row][column]; nil cells are drawn hatched grey and say "n/a".
    public var values: [[Double?]]
    public var colorMap: ColorMap
    public var title: String?
    public var legendLabel: String
    public var valueFormat = "%.2f"
    /// Text to write in each cell instead of the formatted value (e.g. a count beside a rate).
    public var cellText: [[String]]?
    public var cellWidth = 72.0
    public var cellHeight = 26.0

    public init(rows: [String], columns: [String], values: [[Double?]], colorMap: ColorMap, title: String? = nil, legendLabel: String) {
        self.rows = rows; self.columns = columns; self.values = values; self.colorMap = colorMap; self.title = title; self.legendLabel = legendLabel
    }

    public func color(_ v: Double) -> String {
        switch colorMap {
        case let .sequential(lower, upper): Palette.sequential(upper > lower ? (v - lower) / (upper - lower) : 0)
        case let .diverging(limit): Palette.diverging(limit > 0 ? v / limit : 0)
        }
    }

    var legendDomain: (Double, Double) {
        switch colorMap {
        case let .sequential(lower, upper): (lower, upper)
        case let .diverging(limit): (-limit, limit)
        }
    }

    /// As tall as the grid, within 80…220 px.
    var colorBarHeight: Double { max(80, min(220, cellHeight * Double(rows.count))) }

    public struct Layout: Sendable {
        public var left: Double, top: Double
        public var width: Double, height: Double
        var columnAngle: Double
    }

    public func layout() -> Layout {
        let rowLabels = rows.map { Typography.width($0, size: 11) }.max() ?? 0
        let columnLabels = columns.map { Typography.width($0, size: 11) }.max() ?? 0
        let angle = columnLabels > cellWidth - 6 ? -35.0 : 0
        let columnDepth = angle == 0 ? 20 : columnLabels * 0.574 + 14
        let top = (title == nil ? 6.0 : 28.0) + columnDepth
        let left = rowLabels + 14
        let width = left + cellWidth * Double(columns.count) + 24 + 14 + 70
        let height = top + max(cellHeight * Double(rows.count), colorBarHeight) + 24
        return Layout(left: left, top: top, width: width, height: height, columnAngle: angle)
    }

    public func svg() -> String {
        let l = layout()
        var svg = SVGWriter()
        for (c, column) in columns.enumerated() {
            let cx = l.left + cellWidth * (Double(c) + 0.5)
            if l.columnAngle == 0 { svg.text(column, x: cx, y: l.top - 7, anchor: .middle, size: 11) }
            else { svg.text(column, x: cx - 4, y: l.top - 6, size: 11, rotate: l.columnAngle) }
        }
        for (r, row) in rows.enumerated() {
            let y = l.top + cellHeight * Double(r)
            svg.text(row, x: l.left - 6, y: y + cellHeight / 2 + 4, anchor: .end, size: 11)
            for c in columns.indices {
                let x = l.left + cellWidth * Double(c)
                let value = r < values.count && c < values[r].count ? values[r][c] : nil
                guard let v = value else {
                    svg.rect(x: x, y: y, width: cellWidth, height: cellHeight, fill: "#F2F2F2", stroke: "#fff")
                    svg.text("n/a", x: x + cellWidth / 2, y: y + cellHeight / 2 + 4, anchor: .middle, size: 10, fill: "#999999")
                    continue
                }
                let fill = color(v)
                let text = cellText.flatMap { r < $0.count && c < $0[r].count ? $0[r][c] : nil } ?? String(format: valueFormat, v)
                svg.rect(x: x, y: y, width: cellWidth, height: cellHeight, fill: fill, stroke: "#fff")
                svg.text(text, x: x + cellWidth / 2, y: y + cellHeight / 2 + 4, anchor: .middle, size: 11, fill: Palette.isDark(fill) ? "#fff" : "#222")
            }
        }
        drawColorBar(l, into: &svg)
        if let title { svg.text(title, x: 8, y: 18, size: 13, weight: "600") }
        return svg.document(width: l.width, height: l.height, title: title ?? legendLabel)
    }

    /// A vertical bar of the colour map with ticks, right of the grid.
    func drawColorBar(_ l: Layout, into svg: inout SVGWriter) {
        let x = l.left + cellWidth * Double(columns.count) + 24
        let barHeight = colorBarHeight, steps = 16
        let (lower, upper) = legendDomain
        for k in 0..<steps {
            let t0 = Double(k) / Double(steps)
            let v = upper - (upper - lower) * (t0 + 0.5 / Double(steps))
            svg.rect(x: x, y: l.top + barHeight * t0, width: 14, height: barHeight / Double(steps) + 0.5, fill: color(v))
        }
        svg.rect(x: x, y: l.top, width: 14, height: barHeight, fill: "none", stroke: Palette.axis)
        let scale = Scale(domain: (lower, upper), range: (l.top + barHeight, l.top))
        let ticks = scale.ticks(count: 5)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for t in ticks {
            guard let py = scale.map(t) else { continue }
            svg.line(x1: x + 14, y1: py, x2: x + 18, y2: py, stroke: Palette.axis)
            svg.text(NiceTicks.label(t, step: step), x: x + 21, y: py + 4, size: 10, fill: Palette.axis)
        }
        svg.text(legendLabel, x: x + 7, y: l.top + barHeight + 16, anchor: .middle, size: 10, fill: Palette.axis)
    }
}
