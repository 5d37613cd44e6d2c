import Foundation

/// Accumulates SVG elements as text. Coordinates are written with one decimal (a tenth of a
/// pixel is below what a screen shows and keeps the page small); text is XML-escaped.
public struct SVGWriter: Sendable {
    public private(set) var body = ""

    public init() {}

    /// A coordinate or length: one decimal, no trailing ".0", no "-0".
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let rounded = (v * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.1f", rounded)
    }

    /// Text safe inside an element or a double-quoted attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    public mutating func raw(_ text: String) { body += text }

    /// `<name a="v" …/>`, or with content when `content` is given (escaped unless `rawContent`).
    public mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>, content: String? = nil) {
        body += "<\(name)"
        for (k, v) in attributes where !v.isEmpty { body += " \(k)=\"\(Self.escape(v))\"" }
        if let content { body += ">\(Self.escape(content))</\(name)>\n" } else { body += "/>\n" }
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String = "") {
        element("line", ["x1": Self.number(x1), "y1": Self.number(y1), "x2": Self.number(x2), "y2": Self.number(y2),
                         "stroke": stroke, "stroke-width": Self.number(width), "stroke-dasharray": dash])
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String = "", opacity: Double? = nil, title: String? = nil) {
        shape("rect", [
            "x": Self.number(x), "y": Self.number(y), "width": Self.number(max(0, width)), "height": Self.number(max(0, height)),
            "fill": fill, "stroke": stroke, "fill-opacity": opacity.map { String(format: "%.2f", $0) } ?? ""], title: title)
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String = "", title: String? = nil) {
        shape("circle", ["cx": Self.number(cx), "cy": Self.number(cy), "r": Self.number(r), "fill": fill, "stroke": stroke], title: title)
    }

    /// An element with a hover title (a `<title>` child inside a group), or without one.
    private mutating func shape(_ name: String, _ attributes: KeyValuePairs<String, String>, title: String?) {
        guard let title else { return element(name, attributes) }
        body += "<g>"
        element(name, attributes)
        element("title", [:], content: title)
        body += "</g>\n"
    }

    /// `points` without those a reader cannot see: repeats at the written precision and points
    /// within 0.2 px of the straight line between their neighbours (step curves and dense
    /// grids shrink several-fold; the drawing does not change).
    public static func simplified(_ points: [(Double, Double)]) -> [(Double, Double)] {
        let rounded = points.map { ((($0.0 * 10).rounded()) / 10, (($0.1 * 10).rounded()) / 10) }
        var out: [(Double, Double)] = []
        for p in rounded {
            if let last = out.last, last == p { continue }
            if out.count >= 2 {
                let a = out[out.count - 2], b = out[out.count - 1]
                let dx = p.0 - a.0, dy = p.1 - a.1, length = (dx * dx + dy * dy).squareRoot()
                // b lies on the segment a–p (not beyond it) and within 0.2 px of it.
                let along = ((b.0 - a.0) * dx + (b.1 - a.1) * dy) / max(length * length, 1e-12)
                if length > 0, along >= 0, along <= 1, Swift.abs((b.0 - a.0) * dy - (b.1 - a.1) * dx) / length < 0.2 { out[out.count - 1] = p; continue }
            }
            out.append(p)
        }
        return out
    }

    /// A polyline through `points` (already in pixels).
    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, dash: String = "") {
        let points = Self.simplified(points)
        guard points.count > 1 else { return }
        let text = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        element("polyline", ["points": text, "fill": "none", "stroke": stroke, "stroke-width": Self.number(width),
                             "stroke-dasharray": dash, "stroke-linejoin": "round"])
    }

    /// A closed filled polygon (bands, histogram areas), outlined when `stroke` is given. Its
    /// corners are whole pixels: a fill's edge needs no finer place, and bands are the bulk of a page.
    public mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double, stroke: String = "none", strokeWidth: Double = 1.5) {
        let points = Self.simplified(points.map { ($0.0.rounded(), $0.1.rounded()) })
        guard points.count > 2 else { return }
        let text = points.map { "\(Int($0.0)),\(Int($0.1))" }.joined(separator: " ")
        element("polygon", ["points": text, "fill": fill, "fill-opacity": String(format: "%.2f", opacity), "stroke": stroke,
                            "stroke-width": stroke == "none" ? "" : Self.number(strokeWidth), "stroke-linejoin": stroke == "none" ? "" : "round"])
    }

    /// One `<path>` for many straight strokes (grid lines, tick marks): far smaller than a
    /// `<line>` each. `d` is built with `move(_:_:)` and `lineTo(_:_:)`.
    public mutating func path(_ d: String, stroke: String, width: Double = 1) {
        guard !d.isEmpty else { return }
        element("path", ["d": d, "stroke": stroke, "stroke-width": width == 1 ? "" : Self.number(width), "fill": "none"])
    }

    public static func move(_ x: Double, _ y: Double) -> String { "M\(number(x)) \(number(y))" }
    public static func lineTo(_ x: Double, _ y: Double) -> String { "L\(number(x)) \(number(y))" }

    /// Text elements sharing size, colour and anchor, written once on a group around them.
    public mutating func labels(_ items: [(text: String, x: Double, y: Double)], anchor: Anchor, size: Double = 11, fill: String = Palette.axis) {
        guard !items.isEmpty else { return }
        body += "<g font-size=\"\(Self.number(size))\" fill=\"\(fill)\" text-anchor=\"\(anchor.rawValue)\">\n"
        for item in items { body += "<text x=\"\(Self.number(item.x))\" y=\"\(Self.number(item.y))\">\(Self.escape(item.text))</text>\n" }
        body += "</g>\n"
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(_ content: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12, weight: String = "",
                              fill: String = "#222", rotate: Double? = nil, baseline: String = "") {
        let transform = rotate.map { "rotate(\(Self.number($0)) \(Self.number(x)) \(Self.number(y)))" } ?? ""
        element("text", ["x": Self.number(x), "y": Self.number(y), "text-anchor": anchor == .start ? "" : anchor.rawValue,
                         "font-size": size == 12 ? "" : Self.number(size), "font-weight": weight, "fill": fill == "#222" ? "" : fill,
                         "transform": transform, "dominant-baseline": baseline], content: content)
    }

    /// The finished `<svg>` element, sized `width` × `height`, with an accessible title.
    public func document(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
            + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" role=\"img\" font-family=\"\(Typography.family)\" "
            + "font-size=\"12\" fill=\"#222\">\n<title>\(Self.escape(title))</title>\n" + body + "</svg>\n"
    }
}

/// Fonts, and how wide text will be: the layout reserves room for labels from this estimate so
/// they neither overlap nor get cut off (no browser is there to measure them).
public enum Typography {
    public static let family = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"

    /// Approximate width in pixels of `text` at `size`: ~0.6 em per character for a sans-serif
    /// (a little generous, so estimates err towards more room).
    public static func width(_ text: String, size: Double = 12) -> Double {
        var em = 0.0
        for c in text {
            switch c {
            case "i", "l", "j", "'", ".", ",", ":", ";", "|", "!", " ", "(", ")", "[", "]", "f", "t", "r", "1": em += 0.36
            case "m", "w", "M", "W", "%", "@": em += 0.9
            case "A"..."Z": em += 0.68
            default: em += 0.58
            }
        }
        return em * size
    }

    /// `text` cut to fit `width` pixels, ending in "…" when cut.
    public static func truncate(_ text: String, toWidth limit: Double, size: Double = 12) -> String {
        guard width(text, size: size) > limit else { return text }
        var out = ""
        for c in text {
            if width(out + String(c) + "…", size: size) > limit { break }
            out.append(c)
        }
        return out + "…"
    }
}
