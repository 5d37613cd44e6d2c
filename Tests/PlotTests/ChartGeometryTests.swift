import Testing
@testable import Plot

/// Where known data points land in the generated SVG.
@Suite struct ChartGeometryTests {
    func close(_ a: Double?, _ b: Double, within: Double = 0.051) -> Bool { a.map { Swift.abs($0 - b) <= within } ?? false }

    @Test func aPointAndALineLandWhereTheScalesSay() throws {
        var chart = Chart(width: 400, height: 300, x: Axis("false-positive rate", domain: (0, 1)), y: Axis("true-positive rate", domain: (0, 1)))
        chart.line([0, 1], [0, 1], color: "#0072B2")
        chart.points([0.5], [0.25], color: "#E69F00")
        let l = chart.layout()
        // The frame: y runs upwards, the plot fills what the margins leave.
        #expect(l.x.map(0) == l.left && l.x.map(1) == l.right)
        #expect(l.y.map(0) == l.bottom && l.y.map(1) == l.top)
        #expect(l.right == 400 - 14 && l.bottom == 300 - 48 && l.top == 12)

        let elements = try SVGElements.parse(chart.svg())
        let line = try #require(elements.first { $0.name == "polyline" && $0.attributes["stroke"] == "#0072B2" })
        #expect(line.points.count == 2)
        #expect(close(line.points[0].0, l.left) && close(line.points[0].1, l.bottom))
        #expect(close(line.points[1].0, l.right) && close(line.points[1].1, l.top))
        let point = try #require(elements.first { $0.name == "circle" && $0.attributes["fill"] == "#E69F00" })
        #expect(close(point.number("cx"), l.left + 0.5 * (l.right - l.left)))
        #expect(close(point.number("cy"), l.bottom - 0.25 * (l.bottom - l.top)))
        // Axis labels and the ticks 0, 0.2, …, 1 on both axes.
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        #expect(texts.contains("false-positive rate") && texts.contains("true-positive rate"))
        #expect(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"].allSatisfy { label in texts.filter { $0 == label }.count == 2 }, "\(texts)")
    }

    @Test func aLogAxisPutsDecadesEvenlyApart() throws {
        var chart = Chart(width: 500, height: 300, x: Axis("FPR", kind: .log, domain: (0.001, 1)), y: Axis("TPR", domain: (0, 1)))
        chart.points([0.01, 0.1], [0.5, 0.5], color: "#009E73")
        chart.verticalRule(at: 0.01, label: "1% FPR")
        let l = chart.layout()
        let elements = try SVGElements.parse(chart.svg())
        let circles = elements.filter { $0.name == "circle" }
        #expect(circles.count == 2)
        let third = (l.right - l.left) / 3
        #expect(close(circles[0].number("cx"), l.left + third))
        #expect(close(circles[1].number("cx"), l.left + 2 * third))
        let rule = try #require(elements.first { $0.name == "line" && $0.attributes["stroke-dasharray"] == "4 3" })
        #expect(close(rule.number("x1"), l.left + third) && rule.number("y1") == l.top && rule.number("y2") == l.bottom)
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        #expect(["0.001", "0.01", "0.1", "1", "1% FPR"].allSatisfy(texts.contains), "\(texts)")
    }

    @Test func aBandIsTheUpperEdgeThenTheLowerBackwards() throws {
        var chart = Chart(width: 300, height: 200, x: Axis("x", domain: (0, 2)), y: Axis("y", domain: (0, 4)))
        chart.band([0, 2], lower: [1, 1], upper: [3, 3], color: "#56B4E9")
        let l = chart.layout()
        let band = try #require(try SVGElements.parse(chart.svg()).first { $0.name == "polygon" })
        let y1 = l.y.map(1)!, y3 = l.y.map(3)!
        let expected = [(l.left, y3), (l.right, y3), (l.right, y1), (l.left, y1)]
        #expect(band.points.count == 4)
        // Polygons are drawn at whole pixels.
        for (p, e) in zip(band.points, expected) { #expect(close(p.0, e.0, within: 0.5) && close(p.1, e.1, within: 0.5), "\(band.points)") }
    }

    @Test func aHistogramStepsAtItsEdgesFromZero() throws {
        var chart = Chart(width: 300, height: 200, x: Axis("score", domain: (0, 1)), y: Axis("share", domain: (0, 1)))
        chart.histogram(edges: [0, 0.5, 1], heights: [0.25, 0.75], color: "#CC79A7")
        let l = chart.layout()
        let outline = try #require(try SVGElements.parse(chart.svg()).first { $0.name == "polygon" && $0.attributes["stroke"] == "#CC79A7" })
        let mid = l.x.map(0.5)!
        let expected = [(l.left, l.bottom), (l.left, l.y.map(0.25)!), (mid, l.y.map(0.25)!), (mid, l.y.map(0.75)!), (l.right, l.y.map(0.75)!), (l.right, l.bottom)]
        #expect(outline.points.count == expected.count)
        for (p, e) in zip(outline.points, expected) { #expect(close(p.0, e.0, within: 0.5) && close(p.1, e.1, within: 0.5), "\(outline.points)") }
    }

    @Test func errorBarsSpanMeanMinusToPlusTheError() throws {
        var chart = Chart(width: 300, height: 200, x: Axis("x", domain: (0, 1)), y: Axis("y", domain: (0, 1)))
        chart.points([0.5], [0.5], color: "#D55E00", errorY: [0.1])
        let l = chart.layout()
        let bar = try #require(try SVGElements.parse(chart.svg()).first { $0.name == "line" && $0.attributes["stroke"] == "#D55E00" })
        #expect(close(bar.number("y1"), l.y.map(0.4)!) && close(bar.number("y2"), l.y.map(0.6)!))
    }

    @Test func dataDomainsWidenToNiceTicks() {
        var chart = Chart(x: Axis("epoch"), y: Axis("loss"))
        chart.line([1, 2, 3, 7], [0.93, 0.61, 0.48, 0.22], color: "#000")
        let l = chart.layout()
        #expect(l.x.domain.lower == 0 && l.x.domain.upper == 8, "steps of 2 from 0")
        #expect(l.y.domain.lower == 0.2 && l.y.domain.upper == 1)
    }

    @Test func nineLongLegendEntriesStackWithoutOverlap() throws {
        let names = ["full", "profile+attributes+image", "sequence+attributes+image", "sequence+profile+image", "sequence+profile+attributes",
                     "sequence", "profile", "attributes", "image"]
        var chart = Chart(width: 640, height: 360, x: Axis("x", domain: (0, 1)), y: Axis("y", domain: (0, 1)))
        chart.legend = names.enumerated().map { LegendEntry($1, color: Palette.series($0), symbol: .line(dash: Palette.dash($0))) }
        let l = chart.layout()
        let texts = try SVGElements.parse(chart.svg()).filter { $0.name == "text" && names.contains($0.text) }
        #expect(texts.count == 9)
        let ys = texts.compactMap { $0.number("y") }.sorted()
        #expect(zip(ys, ys.dropFirst()).allSatisfy { $1 - $0 >= 16 }, "\(ys)")
        // Beside the plot, not over it, and inside the picture.
        #expect(texts.allSatisfy { ($0.number("x") ?? 0) > l.right })
        let widest = names.map { Typography.width($0, size: 11) }.max()!
        #expect(texts.allSatisfy { ($0.number("x") ?? 0) + widest <= 640 })
    }
}
