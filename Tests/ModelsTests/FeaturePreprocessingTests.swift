import Testing
@testable import Models

/// The design matrix of the linear, neighbour and isolation-forest models, by known values.
@Suite struct FeaturePreprocessingTests {
    /// a: numeric with one missing; b: constant; c: categorical (4 codes, one missing).
    static let train = FeatureMatrix(rows: 4, names: ["a", "b", "c"], cardinalities: [nil, nil, 4],
                                     values: [1, 2, 0,
                                              .nan, 2, 1,
                                              3, 2, 1,
                                              10, 2, .nan])

    @Test func imputesWithTheMedianStandardisesAndOneHots() throws {
        let p = FeaturePreprocessing(fitting: Self.train)
        #expect(p.names == ["a", "a.missing", "b", "c=0", "c=1"])
        // a: median of 1, 3, 10 is 3; imputed 1, 3, 3, 10 → mean 4.25, population std √11.6875.
        let std = Float(11.6875.squareRoot())
        let x = p.transform(Self.train)
        let want: [Float] = [(1 - 4.25) / std, 0, 0, 1, 0,
                             (3 - 4.25) / std, 1, 0, 0, 1,
                             (3 - 4.25) / std, 0, 0, 0, 1,
                             (10 - 4.25) / std, 0, 0, 0, 0]
        #expect(x.count == want.count)
        for (g, w) in zip(x, want) { #expect(Swift.abs(g - w) < 1e-6, "\(x)") }
    }

    @Test func unseenMissingAndOutOfRangeCodesAreAllZeros() throws {
        let p = FeaturePreprocessing(fitting: Self.train)
        // Code 2 never seen in training, 7 out of range, −1 and 0.5 not codes, NaN missing; a = ∞ counts as missing.
        let rows: [Float] = [2, 7, -1, 0.5, .nan]
        let x = FeatureMatrix(rows: 5, names: ["a", "b", "c"], cardinalities: [nil, nil, 4],
                              values: rows.flatMap { [.infinity, 5, $0] })
        let out = p.transform(x)
        for r in 0..<5 {
            #expect(Array(out[(r * 5 + 3)..<(r * 5 + 5)]) == [0, 0], "code \(rows[r])")
            #expect(out[r * 5 + 1] == 1 && Swift.abs(out[r * 5] - (3 - 4.25) / Float(11.6875.squareRoot())) < 1e-6)
            #expect(out[r * 5 + 2] == 3, "constant column b: divided by 1 after centring at 2")
        }
    }

    @Test func rareCodesShareAnOtherColumn() throws {
        let x = FeatureMatrix(rows: 6, names: ["c"], cardinalities: [5], values: [0, 1, 1, 2, 2, 2])
        let p = FeaturePreprocessing(fitting: x, minFrequency: 2)
        #expect(p.names == ["c=1", "c=2", "c=other"])
        let probe = FeatureMatrix(rows: 4, names: ["c"], cardinalities: [5], values: [0, 1, 2, 4])
        #expect(p.transform(probe) == [0, 0, 1,  1, 0, 0,  0, 1, 0,  0, 0, 0])
        #expect(FeaturePreprocessing(fitting: x, minFrequency: 4).names == ["c=other"])
    }

    @Test func numericColumnWithoutMissingInTrainingGetsNoIndicator() throws {
        let x = FeatureMatrix(rows: 4, names: ["v"], cardinalities: [nil], values: [1, 2, 3, 4])
        let p = FeaturePreprocessing(fitting: x)
        #expect(p.names == ["v"])
        // Missing later: the median 2.5, standardised with mean 2.5 → 0.
        #expect(p.transform(FeatureMatrix(rows: 1, names: ["v"], cardinalities: [nil], values: [.nan])) == [0])
        var even: [Float] = [4, 1, 3, 2], odd: [Float] = [9, 1, 5, -7]
        #expect(FeaturePreprocessing.median(&even, count: 4) == 2.5)
        #expect(FeaturePreprocessing.median(&odd, count: 3) == 5, "only the first three count")
    }

    /// Statistics come from training rows only: changing a row outside training changes nothing fitted.
    @Test func statisticsComeFromTrainingRowsOnly() throws {
        let (all, _) = ClassicalData.separable(rows: 50, seed: 3)
        let training = Array(0..<40)
        var changed = all
        for j in 0..<all.columns { changed.values[45 * all.columns + j] = j == 3 ? 2 : 1e6 }
        changed.values[46 * all.columns + 2] = .nan
        let before = FeaturePreprocessing(fitting: all.selecting(rows: training))
        let after = FeaturePreprocessing(fitting: changed.selecting(rows: training))
        #expect(before == after)
        #expect(before != FeaturePreprocessing(fitting: all))
    }
}
