/// An x–y chart: axes with nice ticks and grid lines, then lines, bands, points, histograms
/// and rules, and a legend beside the plot. Built by adding marks, rendered by `svg()`.
public struct Chart: Sendable {
    public var width: Double
    public var height: Double
    public var title: String?
    public var x: Axis
    public var y: Axis
    public var marks: [ChartMark] = []
    public var legend: [LegendEntry] = []
    public enum LegendPlacement: Sendable { case right, below }
    public var legendPlacement: LegendPlacement = .right

    public init(width: Double = 480, height: Double = 320, title: String? = nil, x: Axis, y: Axis) {
        self.width = width; self.height = height; self.title = title; self.x = x; self.y = y
    }

    public mutating func line(_ xs: [Double], _ ys: [Double], color: String, width: Double = 2, dash: String = "") {
        marks.append(.line(xs: xs, ys: ys, color: color, width: width, dash: dash))
    }

    public mutating func band(_ xs: [Double], lower: [Double], upper: [Double], color: String, opacity: Double = 0.18) {
        marks.append(.band(xs: xs, lower: lower, upper: upper, color: color, opacity: opacity))
    }

    public mutating func points(_ xs: [Double], _ ys: [Double], color: String, radius: Double = 4, errorX: [Double]? = nil,
                                errorY: [Double]? = nil, titles: [String]? = nil) {
        marks.append(.points(xs: xs, ys: ys, color: color, radius: radius, errorX: errorX, errorY: errorY, titles: titles))
    }

    public mutating func histogram(edges: [Double], heights: [Double], color: String, opacity: Double = 0.25) {
        precondition(edges.count == heights.count + 1, "a histogram needs one more edge than bins")
        marks.append(.histogram(edges: edges, heights: heights, color: color, opacity: opacity))
    }

    public mutating func verticalRule(at x: Double, color: String = "#222", dash: String = "4 3", label: String? = nil) {
        marks.append(.verticalRule(x: x, color: color, dash: dash, label: label))
    }

    public mutating func text(_ text: String, x: Double, y: Double, color: String = "#222", anchor: SVGWriter.Anchor = .start) {
        marks.append(.text(x: x, y: y, text: text, color: color, anchor: anchor))
    }

    /// Where the plot area is and how data maps into it.
    public struct Layout: Sendable {
        public var left: Double, top: Double, right: Double, bottom: Double
        public var x: Scale, y: Scale
        public var xTicks: [(value: Double, label: String)], yTicks: [(value: Double, label: String)]
        var legendRows: [[LegendEntry]]
    }

    public func layout() -> Layout {
        let xDomain = x.resolvedDomain(marks.flatMap(\.xs))
        let yDomain = y.resolvedDomain(marks.flatMap(\.ys), includeZero: marks.contains { if case .histogram = $0 { true } else { false } })
        // The y tick labels decide the left margin, so ticks are found on a provisional scale first.
        let provisionalY = Scale(kind: y.kind, domain: yDomain, range: (height - 50, 30))
        let yTicks = y.ticks(provisionalY, length: height - 80, horizontal: false)
        let left = 20 + (yTicks.map { Typography.width($0.label, size: 11) }.max() ?? 20) + 10
        var right = 14.0, bottom = 48.0
        var legendRows: [[LegendEntry]] = []
        if !legend.isEmpty {
            switch legendPlacement {
            case .right: right += Legend.columnWidth(legend) + 8
            case .below:
                legendRows = Legend.rows(legend, width: width - left - right)
                bottom += Double(legendRows.count) * Legend.rowHeight + 6
            }
        }
        let top = title == nil ? 12.0 : 30.0
        let xScale = Scale(kind: x.kind, domain: xDomain, range: (left, width - right))
        let yScale = Scale(kind: y.kind, domain: yDomain, range: (height - bottom, top))
        return Layout(left: left, top: top, right: width - right, bottom: height - bottom, x: xScale, y: yScale,
                      xTicks: x.ticks(xScale, length: width - right - left, horizontal: true),
                      yTicks: y.ticks(yScale, length: height - bottom - top, horizontal: false), legendRows: legendRows)
    }

    public func svg() -> String {
        let l = layout()
        var svg = SVGWriter()
        drawAxes(l, into: &svg)
        for mark in marks { draw(mark, l, into: &svg) }
        // The frame last, over marks that run along the edge.
        svg.rect(x: l.left, y: l.top, width: l.right - l.left, height: l.bottom - l.top, fill: "none", stroke: Palette.axis)
        if let title { svg.text(title, x: l.left, y: 18, size: 13, weight: "600") }
        if !legend.isEmpty {
            switch legendPlacement {
            case .right: Legend.drawColumn(legend, x: l.right + 12, y: l.top, into: &svg)
            case .below: Legend.drawRows(l.legendRows, x: l.left, y: height - Double(l.legendRows.count) * Legend.rowHeight - 4, into: &svg)
            }
        }
        return svg.document(width: width, height: height, title: title ?? "\(y.label) against \(x.label)")
    }

    func drawAxes(_ l: Layout, into svg: inout SVGWriter) {
        var grid = "", ticks = ""
        var xLabels: [(text: String, x: Double, y: Double)] = [], yLabels: [(text: String, x: Double, y: Double)] = []
        for t in l.xTicks {
            guard let px = l.x.map(t.value) else { continue }
            grid += SVGWriter.move(px, l.top) + SVGWriter.lineTo(px, l.bottom)
            ticks += SVGWriter.move(px, l.bottom) + SVGWriter.lineTo(px, l.bottom + 4)
            xLabels.append((t.label, px, l.bottom + 17))
        }
        for t in l.yTicks {
            guard let py = l.y.map(t.value) else { continue }
            grid += SVGWriter.move(l.left, py) + SVGWriter.lineTo(l.right, py)
            ticks += SVGWriter.move(l.left - 4, py) + SVGWriter.lineTo(l.left, py)
            yLabels.append((t.label, l.left - 7, py + 4))
        }
        svg.path(grid, stroke: Palette.grid)
        svg.path(ticks, stroke: Palette.axis)
        svg.labels(xLabels, anchor: .middle)
        svg.labels(yLabels, anchor: .end)
        svg.text(x.label, x: (l.left + l.right) / 2, y: l.bottom + 36, anchor: .middle)
        svg.text(y.label, x: 14, y: (l.top + l.bottom) / 2, anchor: .middle, rotate: -90)
    }

    func pixels(_ xs: [Double], _ ys: [Double], _ l: Layout) -> [(Double, Double)] {
        zip(xs, ys).compactMap { a, b in
            guard let px = l.x.map(a), let py = l.y.map(b) else { return nil }
            return (px, py)
        }
    }

    func draw(_ mark: ChartMark, _ l: Layout, into svg: inout SVGWriter) {
        switch mark {
        case let .line(xs, ys, color, width, dash):
            svg.polyline(pixels(xs, ys, l), stroke: color, width: width, dash: dash)
        case let .band(xs, lower, upper, color, opacity):
            let top = pixels(xs, upper, l), bottom = pixels(xs, lower, l)
            svg.polygon(top + bottom.reversed(), fill: color, opacity: opacity)
        case let .points(xs, ys, color, radius, errorX, errorY, titles):
            for i in xs.indices {
                guard let px = l.x.map(xs[i]), let py = l.y.map(ys[i]) else { continue }
                if let e = errorY?[i], e > 0, let a = l.y.map(ys[i] - e), let b = l.y.map(ys[i] + e) {
                    svg.line(x1: px, y1: a, x2: px, y2: b, stroke: color, width: 1.5)
                }
                if let e = errorX?[i], e > 0, let a = l.x.map(xs[i] - e), let b = l.x.map(xs[i] + e) {
                    svg.line(x1: a, y1: py, x2: b, y2: py, stroke: color, width: 1.5)
                }
                svg.circle(cx: px, cy: py, r: radius, fill: color, stroke: "#fff", title: titles?[i])
            }
        case let .histogram(edges, heights, color, opacity):
            var outline: [(Double, Double)] = []
            for i in heights.indices {
                outline.append((edges[i], heights[i])); outline.append((edges[i + 1], heights[i]))
            }
            let px = pixels(outline.map(\.0), outline.map(\.1), l)
            guard let first = px.first, let last = px.last, let base = l.y.map(max(0, l.y.domain.lower)) else { return }
            svg.polygon([(first.0, base)] + px + [(last.0, base)], fill: color, opacity: opacity, stroke: color)
        case let .verticalRule(x, color, dash, label):
            guard let px = l.x.map(x) else { return }
            svg.line(x1: px, y1: l.top, x2: px, y2: l.bottom, stroke: color, width: 1.5, dash: dash)
            if let label {
                // Labels near the right edge read leftwards, so they stay inside the plot.
                let anchor: SVGWriter.Anchor = px > (l.left + l.right) / 2 ? .end : .start
                svg.text(label, x: px + (anchor == .end ? -4 : 4), y: l.top + 13, anchor: anchor, size: 11, fill: color)
            }
        case let .text(x, y, text, color, anchor):
            guard let px = l.x.map(x), let py = l.y.map(y) else { return }
            svg.text(text, x: px, y: py, anchor: anchor, size: 11, fill: color)
        }
    }
}
