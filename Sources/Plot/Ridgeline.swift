/// Distributions stacked in rows over one shared x axis (a ridgeline plot): each row a filled
/// histogram scaled to its own peak, optionally over a reference distribution in grey, with
/// vertical rules (thresholds) across all rows. Many distributions in one compact figure.
public struct Ridgeline: Sendable {
    public struct Row: Sendable {
        public var label: String
        public var heights: [Double]
        public var color: String
        /// Drawn behind in grey, to compare against (e.g. the normals).
        public var reference: [Double]?

        public init(_ label: String, heights: [Double], color: String, reference: [Double]? = nil) {
            self.label = label; self.heights = heights; self.color = color; self.reference = reference
        }
    }

    public var rows: [Row]
    /// Bin edges shared by all rows (one more than each row's heights).
    public var edges: [Double]
    public var x: Axis
    public var title: String?
    public var width: Double
    public var rowHeight = 30.0
    public var rules: [(x: Double, label: String)] = []

    public init(rows: [Row], edges: [Double], x: Axis, title: String? = nil, width: Double = 440) {
        self.rows = rows; self.edges = edges; self.x = x; self.title = title; self.width = width
    }

    public struct Layout: Sendable {
        public var left: Double, top: Double, right: Double, bottom: Double
        public var x: Scale
        /// The baseline of each row.
        public var baselines: [Double]
        public var height: Double
    }

    public func layout() -> Layout {
        let top = (title == nil ? 8.0 : 30.0) + (rules.isEmpty ? 0 : 14)
        let left = (rows.map { Typography.width($0.label, size: 11) }.max() ?? 0) + 14
        let right = width - 14
        // The first row's peak may rise above its slot: leave room for it.
        let baselines = rows.indices.map { top + rowHeight * (Double($0) + 1) + 6 }
        let bottom = (baselines.last ?? top) + 4
        let scale = Scale(kind: x.kind, domain: x.resolvedDomain(edges), range: (left, right))
        return Layout(left: left, top: top, right: right, bottom: bottom, x: scale, baselines: baselines, height: bottom + 42)
    }

    func outline(_ heights: [Double], baseline: Double, peakHeight: Double, _ l: Layout) -> [(Double, Double)] {
        let peak = heights.max() ?? 0
        guard peak > 0 else { return [] }
        var points: [(Double, Double)] = []
        for i in heights.indices {
            guard let a = l.x.map(edges[i]), let b = l.x.map(edges[i + 1]) else { continue }
            let y = baseline - heights[i] / peak * peakHeight
            points += [(a, y), (b, y)]
        }
        guard let first = points.first, let last = points.last else { return [] }
        return [(first.0, baseline)] + points + [(last.0, baseline)]
    }

    public func svg() -> String {
        let l = layout()
        var svg = SVGWriter()
        let ticks = x.ticks(l.x, length: l.right - l.left, horizontal: true)
        var grid = "", labels: [(text: String, x: Double, y: Double)] = []
        for t in ticks {
            guard let px = l.x.map(t.value) else { continue }
            grid += SVGWriter.move(px, l.top) + SVGWriter.lineTo(px, l.bottom)
            labels.append((t.label, px, l.bottom + 16))
        }
        svg.path(grid, stroke: Palette.grid)
        svg.labels(labels, anchor: .middle)
        let peakHeight = rowHeight * 1.35
        for (k, row) in rows.enumerated() {
            let base = l.baselines[k]
            if let reference = row.reference {
                svg.polygon(outline(reference, baseline: base, peakHeight: peakHeight, l), fill: Palette.neutral, opacity: 0.35)
            }
            svg.polygon(outline(row.heights, baseline: base, peakHeight: peakHeight, l), fill: row.color, opacity: 0.45, stroke: row.color, strokeWidth: 1.2)
            svg.path(SVGWriter.move(l.left, base) + SVGWriter.lineTo(l.right, base), stroke: Palette.axis, width: 0.6)
            svg.text(row.label, x: l.left - 6, y: base - 4, anchor: .end, size: 11)
        }
        for rule in rules {
            guard let px = l.x.map(rule.x) else { continue }
            svg.line(x1: px, y1: l.top - 2, x2: px, y2: l.bottom, stroke: "#222", width: 1.5, dash: "5 3")
            let anchor: SVGWriter.Anchor = px > (l.left + l.right) * 0.75 ? .end : .middle
            svg.text(rule.label, x: px, y: l.top - 5, anchor: anchor, size: 11)
        }
        svg.path(SVGWriter.move(l.left, l.bottom) + SVGWriter.lineTo(l.right, l.bottom), stroke: Palette.axis)
        svg.text(x.label, x: (l.left + l.right) / 2, y: l.bottom + 34, anchor: .middle)
        if let title { svg.text(title, x: 8, y: 18, size: 13, weight: "600") }
        return svg.document(width: width, height: l.height, title: title ?? x.label)
    }
}
