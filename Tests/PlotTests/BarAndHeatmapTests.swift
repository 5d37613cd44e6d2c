import Testing
@testable import Plot

@Suite struct BarAndHeatmapTests {
    func close(_ a: Double?, _ b: Double, within: Double = 0.051) -> Bool { a.map { Swift.abs($0 - b) <= within } ?? false }

    @Test func aHorizontalBarIsAsLongAsItsValueWithItsErrorBar() throws {
        var chart = BarChart(categories: ["full", "sequence"], groups: [BarChart.Group("", color: "#0072B2", values: [0.5, 0.8], errors: [0.1, nil])],
                             orientation: .horizontal, valueAxis: Axis("test ROC AUC", domain: (0, 1)))
        chart.showValues = true
        let l = chart.layout()
        let elements = try SVGElements.parse(chart.svg())
        let bars = elements.filter { $0.name == "rect" && $0.attributes["fill"] == "#0072B2" }
        #expect(bars.count == 2)
        let plotWidth = l.right - l.left
        #expect(close(bars[0].number("x"), l.left) && close(bars[0].number("width"), plotWidth * 0.5))
        #expect(close(bars[1].number("width"), plotWidth * 0.8))
        #expect((bars[0].number("y") ?? 0) < (bars[1].number("y") ?? 0), "categories top to bottom in order")
        // The whisker: a path from mean − error to mean + error at the bar's middle, then its two caps.
        let whisker = try #require(elements.first { $0.name == "path" && $0.attributes["stroke"] == "#222" })
        let moves = (whisker.attributes["d"] ?? "").split(separator: "M").map { $0.split(whereSeparator: { $0 == " " || $0 == "L" }).compactMap { Double($0) } }
        #expect(moves.count == 3 && moves.allSatisfy { $0.count == 4 }, "\(moves)")
        #expect(close(moves[0][0], l.left + plotWidth * 0.4) && close(moves[0][2], l.left + plotWidth * 0.6) && moves[0][1] == moves[0][3])
        #expect(close(moves[1][0], l.left + plotWidth * 0.4) && close(moves[2][0], l.left + plotWidth * 0.6))
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        #expect(texts.contains("0.500 ± 0.100") && texts.contains("0.800"), "\(texts)")
        #expect(elements.contains { $0.name == "title" && $0.text == "full: 0.500 ± 0.100" })
    }

    @Test func notesFollowTheValues() throws {
        var chart = BarChart(categories: ["full", "image"], groups: [BarChart.Group("", color: "#0072B2", values: [0.7, 0.6], errors: [0.01, nil], notes: ["", "−0.100"])],
                             orientation: .horizontal, valueAxis: Axis("AUC", domain: (0.5, 1)))
        chart.showValues = true
        let texts = try SVGElements.parse(chart.svg()).filter { $0.name == "text" }.map(\.text)
        #expect(texts.contains("0.600  −0.100") && texts.contains("0.700 ± 0.010"), "\(texts)")
    }

    @Test func groupedVerticalBarsShareTheirCategorySlot() throws {
        let chart = BarChart(categories: ["bot_crawler", "brushing"],
                             groups: [BarChart.Group("a", color: "#0072B2", values: [1, 0.5]), BarChart.Group("b", color: "#E69F00", values: [0.25, nil])],
                             valueAxis: Axis("recall", domain: (0, 1)), width: 400, height: 300)
        let l = chart.layout()
        let elements = try SVGElements.parse(chart.svg())
        // Legend swatches are 14 wide; bars are not.
        let a = elements.filter { $0.name == "rect" && $0.attributes["fill"] == "#0072B2" && $0.number("width") != 14 }
        let b = elements.filter { $0.name == "rect" && $0.attributes["fill"] == "#E69F00" && $0.number("width") != 14 }
        #expect(a.count == 2 && b.count == 1, "a missing value draws no bar")
        #expect(close(a[0].number("y"), l.top) && close(a[0].number("height"), l.bottom - l.top))
        #expect(close(b[0].number("height"), (l.bottom - l.top) * 0.25))
        #expect((a[0].number("x") ?? 0) < (b[0].number("x") ?? 0) && (b[0].number("x") ?? 0) < l.slotStarts[1])
        // A legend names the groups.
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        #expect(texts.contains("a") && texts.contains("b"))
    }

    @Test func longCategoryLabelsTiltInsteadOfOverlapping() throws {
        let names = (1...9).map { "sequence+profile+variant\($0)" }
        let chart = BarChart(categories: names, groups: [BarChart.Group("", color: "#0072B2", values: names.map { _ in 0.5 })],
                             valueAxis: Axis("AP", domain: (0, 1)), width: 600, height: 360)
        let labels = try SVGElements.parse(chart.svg()).filter { $0.name == "text" && names.contains($0.text) }
        #expect(labels.count == 9 && labels.allSatisfy { ($0.attributes["transform"] ?? "").hasPrefix("rotate(-35") })
    }

    @Test func heatmapCellsTakeTheirColourAndValue() throws {
        var map = Heatmap(rows: ["bot_crawler", "brushing"], columns: ["sequence", "image"], values: [[0, 1], [0.5, nil]],
                          colorMap: .sequential(lower: 0, upper: 1), legendLabel: "share")
        map.cellWidth = 80
        let l = map.layout()
        let elements = try SVGElements.parse(map.svg())
        let cells = elements.filter { $0.name == "rect" && $0.number("width") == 80 }
        #expect(cells.count == 4)
        #expect(cells[0].attributes["fill"] == "#F7FBFF" && cells[1].attributes["fill"] == "#08306B")
        #expect(close(cells[0].number("x"), l.left) && close(cells[0].number("y"), l.top) && close(cells[1].number("x"), l.left + 80))
        #expect(close(cells[2].number("y"), l.top + 26))
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        #expect(texts.contains("0.50") && texts.contains("n/a") && texts.contains("share"))
        // Dark cells get white text.
        #expect(elements.contains { $0.name == "text" && $0.text == "1.00" && $0.attributes["fill"] == "#fff" })
    }

    @Test func labelsWithMarkupCharactersStayWellFormed() throws {
        var chart = Chart(title: "<ROC> & \"PR\"", x: Axis("a<b"), y: Axis("c&d"))
        chart.line([0, 1], [0, 1], color: "#000")
        chart.legend = [LegendEntry("x < y & z", color: "#000")]
        let elements = try SVGElements.parse(chart.svg())
        #expect(elements.contains { $0.text == "<ROC> & \"PR\"" } && elements.contains { $0.text == "x < y & z" })
    }
}
