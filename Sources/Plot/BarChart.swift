/// Bars per category, one bar per group within a category, with optional error bars (± the
/// given half-width) and value labels. Horizontal bars suit long category names (variants);
/// vertical ones short names (anomaly types), whose labels tilt when they would touch.
public struct BarChart: Sendable {
    public enum Orientation: Sendable { case horizontal, vertical }

    public struct Group: Sendable {
        public var name: String
        public var color: String
        public var values: [Double?]
        public var errors: [Double?]
        /// Per-bar colours overriding `color` (to set one bar apart, e.g. the full model).
        public var barColors: [String]?
        /// Per-bar text written after the value when `showValues` is on (e.g. a difference).
        public var notes: [String]?

        public init(_ name: String, color: String, values: [Double?], errors: [Double?]? = nil, barColors: [String]? = nil, notes: [String]? = nil) {
            self.name = name; self.color = color; self.values = values
            self.errors = errors ?? values.map { _ in nil }; self.barColors = barColors; self.notes = notes
        }
    }

    public var categories: [String]
    public var groups: [Group]
    public var orientation: Orientation
    public var valueAxis: Axis
    public var title: String?
    public var width: Double
    /// For vertical charts; horizontal ones take their height from the bar count.
    public var height: Double
    public var barThickness = 16.0
    /// Writes each bar's value (and ± error) at its end.
    public var showValues = false
    public var valueFormat = "%.3f"
    public var showLegend: Bool

    public init(categories: [String], groups: [Group], orientation: Orientation = .vertical, valueAxis: Axis,
                title: String? = nil, width: Double = 640, height: Double = 320) {
        self.categories = categories; self.groups = groups; self.orientation = orientation; self.valueAxis = valueAxis
        self.title = title; self.width = width; self.height = height; showLegend = groups.count > 1
    }

    public struct Layout: Sendable {
        public var left: Double, top: Double, right: Double, bottom: Double
        public var value: Scale
        public var ticks: [(value: Double, label: String)]
        /// Start of each category's slot along the category axis, and the slot's length.
        public var slotStarts: [Double]
        public var slotLength: Double
        public var totalHeight: Double
        var labelAngle: Double
        var legendRows: [[LegendEntry]]
    }

    var legendEntries: [LegendEntry] { showLegend ? groups.map { LegendEntry($0.name, color: $0.color) } : [] }

    func valueText(_ v: Double, _ e: Double?, note: String? = nil) -> String {
        String(format: valueFormat, v) + (e.map { $0 > 0 ? " ± " + String(format: valueFormat, $0) : "" } ?? "") + (note.flatMap { $0.isEmpty ? nil : "  " + $0 } ?? "")
    }

    public func layout() -> Layout {
        var extent: [Double] = []
        for g in groups { for (v, e) in zip(g.values, g.errors) { if let v { extent += [v - (e ?? 0), v + (e ?? 0)] } } }
        let domain = valueAxis.resolvedDomain(extent, includeZero: valueAxis.kind == .linear)
        let top = title == nil ? 12.0 : 30.0
        let legend = legendEntries
        switch orientation {
        case .horizontal:
            let labelWidth = min(260, categories.map { Typography.width($0, size: 11) }.max() ?? 0)
            let left = labelWidth + 16
            var right = 16.0
            if showValues {
                right += groups.flatMap { g in g.values.indices.compactMap { i in
                    g.values[i].map { Typography.width(valueText($0, g.errors[i], note: g.notes?[i]), size: 10) }
                } }.max() ?? 0
            }
            let slot = barThickness * Double(max(1, groups.count)) + 10
            var legendRows: [[LegendEntry]] = []
            if !legend.isEmpty { legendRows = Legend.rows(legend, width: width - left - right) }
            let plotBottom = top + slot * Double(categories.count)
            let total = plotBottom + 40 + Double(legendRows.count) * Legend.rowHeight + (legendRows.isEmpty ? 0 : 6)
            let scale = Scale(kind: valueAxis.kind, domain: domain, range: (left, width - right))
            return Layout(left: left, top: top, right: width - right, bottom: plotBottom, value: scale,
                          ticks: valueAxis.ticks(scale, length: width - right - left, horizontal: true),
                          slotStarts: categories.indices.map { top + slot * Double($0) }, slotLength: slot, totalHeight: total,
                          labelAngle: 0, legendRows: legendRows)
        case .vertical:
            let provisional = Scale(kind: valueAxis.kind, domain: domain, range: (height - 60, top))
            let ticks = valueAxis.ticks(provisional, length: height - 100, horizontal: false)
            let left = 20 + (ticks.map { Typography.width($0.label, size: 11) }.max() ?? 20) + 10
            let right = width - 12
            let slot = (right - left) / Double(max(1, categories.count))
            let widest = categories.map { Typography.width($0, size: 11) }.max() ?? 0
            // Tilted labels when level ones would touch their neighbours.
            let angle = widest > slot - 6 ? -35.0 : 0
            let labelDepth = angle == 0 ? 18 : widest * 0.574 + 14
            var legendRows: [[LegendEntry]] = []
            if !legend.isEmpty { legendRows = Legend.rows(legend, width: right - left) }
            let bottom = height - labelDepth - 22 - Double(legendRows.count) * Legend.rowHeight - (legendRows.isEmpty ? 0 : 8)
            let scale = Scale(kind: valueAxis.kind, domain: domain, range: (bottom, top))
            return Layout(left: left, top: top, right: right, bottom: bottom, value: scale,
                          ticks: valueAxis.ticks(scale, length: bottom - top, horizontal: false),
                          slotStarts: categories.indices.map { left + slot * Double($0) }, slotLength: slot, totalHeight: height,
                          labelAngle: angle, legendRows: legendRows)
        }
    }

    public func svg() -> String {
        let l = layout()
        var svg = SVGWriter()
        let horizontal = orientation == .horizontal
        // Value axis: grid lines and tick labels.
        var grid = "", tickLabels: [(text: String, x: Double, y: Double)] = []
        for t in l.ticks {
            guard let p = l.value.map(t.value) else { continue }
            if horizontal {
                grid += SVGWriter.move(p, l.top) + SVGWriter.lineTo(p, l.bottom)
                tickLabels.append((t.label, p, l.bottom + 16))
            } else {
                grid += SVGWriter.move(l.left, p) + SVGWriter.lineTo(l.right, p)
                tickLabels.append((t.label, l.left - 7, p + 4))
            }
        }
        svg.path(grid, stroke: Palette.grid)
        svg.labels(tickLabels, anchor: horizontal ? .middle : .end)
        let base = l.value.map(valueAxis.kind == .linear ? max(l.value.domain.lower, min(0, l.value.domain.upper)) : l.value.domain.lower) ?? 0
        // Bars no thicker than 48 px: a few categories should not make slabs.
        let inner = min(l.slotLength - (horizontal ? 10 : max(4, l.slotLength * 0.2)), 48 * Double(max(1, groups.count)))
        let bar = inner / Double(max(1, groups.count))
        for (c, category) in categories.enumerated() {
            let start = l.slotStarts[c] + (l.slotLength - inner) / 2
            for (g, group) in groups.enumerated() {
                guard c < group.values.count, let v = group.values[c], let p = l.value.map(v) else { continue }
                let color = group.barColors?[c] ?? group.color
                let error = group.errors[c] ?? nil
                let offset = start + bar * Double(g)
                let thickness = max(1, bar - (groups.count > 1 ? 1 : 2))
                let tip = "\(group.name == "" ? "" : group.name + ", ")\(category): \(valueText(v, error))"
                if horizontal {
                    svg.rect(x: min(base, p), y: offset, width: Swift.abs(p - base), height: thickness, fill: color, title: tip)
                } else {
                    svg.rect(x: offset, y: min(base, p), width: thickness, height: Swift.abs(p - base), fill: color, title: tip)
                }
                var end = p
                if let e = error, e > 0, let a = l.value.map(v - e), let b = l.value.map(v + e) {
                    // Whisker and caps in one path.
                    let mid = offset + thickness / 2, cap = min(4, thickness / 2)
                    let d = horizontal
                        ? SVGWriter.move(a, mid) + SVGWriter.lineTo(b, mid) + SVGWriter.move(a, mid - cap) + SVGWriter.lineTo(a, mid + cap)
                            + SVGWriter.move(b, mid - cap) + SVGWriter.lineTo(b, mid + cap)
                        : SVGWriter.move(mid, a) + SVGWriter.lineTo(mid, b) + SVGWriter.move(mid - cap, a) + SVGWriter.lineTo(mid + cap, a)
                            + SVGWriter.move(mid - cap, b) + SVGWriter.lineTo(mid + cap, b)
                    svg.path(d, stroke: "#222", width: 1.2)
                    end = horizontal ? max(p, b) : min(p, b)
                }
                if showValues {
                    if horizontal { svg.text(valueText(v, error, note: group.notes?[c]), x: end + 4, y: offset + thickness / 2 + 4, size: 10, fill: Palette.axis) }
                    else { svg.text(String(format: valueFormat, v), x: offset + thickness / 2, y: end - 4, anchor: .middle, size: 10, fill: Palette.axis) }
                }
            }
            // Category labels.
            if horizontal {
                let label = Typography.truncate(category, toWidth: l.left - 16, size: 11)
                svg.text(label, x: l.left - 6, y: l.slotStarts[c] + l.slotLength / 2 + 4, anchor: .end, size: 11)
            } else {
                let cx = l.slotStarts[c] + l.slotLength / 2
                if l.labelAngle == 0 { svg.text(category, x: cx, y: l.bottom + 16, anchor: .middle, size: 11) }
                else { svg.text(category, x: cx + 4, y: l.bottom + 12, anchor: .end, size: 11, rotate: l.labelAngle) }
            }
        }
        svg.rect(x: l.left, y: l.top, width: l.right - l.left, height: l.bottom - l.top, fill: "none", stroke: Palette.axis)
        if horizontal {
            svg.text(valueAxis.label, x: (l.left + l.right) / 2, y: l.bottom + 34, anchor: .middle)
        } else {
            svg.text(valueAxis.label, x: 14, y: (l.top + l.bottom) / 2, anchor: .middle, rotate: -90)
        }
        if let title { svg.text(title, x: horizontal ? 8 : l.left, y: 18, size: 13, weight: "600") }
        if !l.legendRows.isEmpty {
            Legend.drawRows(l.legendRows, x: l.left, y: l.totalHeight - Double(l.legendRows.count) * Legend.rowHeight - 4, into: &svg)
        }
        return svg.document(width: width, height: l.totalHeight, title: title ?? valueAxis.label)
    }
}
