import Testing
@testable import Plot

/// Nice ticks and scales: known inputs, known outputs.
@Suite struct TickAndScaleTests {
    @Test func linearTicksAreWholeStepsOfOneTwoOrFive() {
        #expect(NiceTicks.linear(0, 1, count: 6) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(NiceTicks.linear(0.13, 0.87, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(NiceTicks.linear(0, 37, count: 5) == [0, 10, 20, 30, 40])
        #expect(NiceTicks.linear(0.3, 0.52, count: 6) == [0.3, 0.4, 0.5, 0.6])
        #expect(NiceTicks.linear(0.3, 0.52, count: 10) == [0.3, 0.35, 0.4, 0.45, 0.5, 0.55])
        #expect(NiceTicks.expand(0.61, 0.88, count: 6) == (0.6, 0.9))
    }

    @Test func labelsCarryAsManyDecimalsAsTheStep() {
        #expect(NiceTicks.label(0.4, step: 0.2) == "0.4")
        #expect(NiceTicks.label(0.35, step: 0.05) == "0.35")
        #expect(NiceTicks.label(20, step: 10) == "20")
        #expect(NiceTicks.label(-0.0001, step: 0.5) == "0.0")
        #expect(NiceTicks.logLabel(0.001) == "0.001")
        #expect(NiceTicks.logLabel(1) == "1")
        #expect(NiceTicks.logLabel(1e-6) == "1e-06")
    }

    @Test func logTicksAreTheDecadesInside() {
        #expect(NiceTicks.decades(0.001, 1) == [0.001, 0.01, 0.1, 1])
        #expect(NiceTicks.decades(0.002, 0.5) == [0.01, 0.1])
    }

    @Test func linearAndLogScalesMapKnownValues() {
        let x = Scale(domain: (0, 1), range: (100, 300))
        #expect(x.map(0.25) == 150)
        #expect(x.map(2) == 300, "clamped to the range")
        let y = Scale(domain: (0, 10), range: (200, 0))
        #expect(y.map(5) == 100)
        let log = Scale(kind: .log, domain: (0.001, 1), range: (0, 300))
        #expect(Swift.abs(log.map(0.01)! - 100) < 1e-9)
        #expect(Swift.abs(log.map(0.1)! - 200) < 1e-9)
        #expect(log.map(0) == nil, "zero has no place on a log axis")
    }

    @Test func histogramCountsEndValuesIntoTheEndBins() {
        let h = Histogram([0, 0.1, 0.55, 0.99, 1.0, 1.5, -3], bins: 2, lower: 0, upper: 1)
        #expect(h.edges == [0, 0.5, 1])
        #expect(h.counts == [3, 4])
        #expect(h.fractions == [3.0 / 7, 4.0 / 7])
    }

    @Test func coordinatesAreWrittenWithOneDecimal() {
        #expect(SVGWriter.number(12.04) == "12")
        #expect(SVGWriter.number(12.06) == "12.1")
        #expect(SVGWriter.number(-0.01) == "0")
        #expect(SVGWriter.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }

    @Test func paletteIsOkabeItoWithTheYellowLastThenDashed() {
        #expect(Palette.series(0) == "#0072B2" && Palette.series(1) == "#E69F00" && Palette.series(8) == "#F0E442")
        #expect(Set((0..<9).map(Palette.series)).count == 9)
        #expect(Palette.dash(8) == "" && Palette.dash(9) != "" && Palette.series(9) == Palette.series(0))
        #expect(Palette.sequential(0) == "#F7FBFF" && Palette.sequential(1) == "#08306B")
        #expect(Palette.diverging(0) == "#F7F7F7")
        #expect(Palette.isDark("#08306B") && !Palette.isDark("#F7FBFF"))
    }
}

/// Points a reader cannot see are dropped from polylines, and only those.
@Suite struct SimplificationTests {
    @Test func collinearAndRepeatedPointsGoCornersStay() {
        let points: [(Double, Double)] = [(0, 0), (1, 1), (2, 2), (2, 2), (3, 3), (3, 10), (3.04, 20), (10, 20)]
        let kept = SVGWriter.simplified(points)
        #expect(kept.map(\.0) == [0, 3, 3, 10] && kept.map(\.1) == [0, 3, 20, 20], "\(kept)")
    }

    @Test func aPointBeyondTheSegmentIsKept() {
        // Going out and back along one line is not a straight line through the middle point.
        let kept = SVGWriter.simplified([(0, 0), (10, 0), (5, 0)])
        #expect(kept.count == 3)
    }
}
