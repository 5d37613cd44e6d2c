import Foundation
import Testing
import Tensor
import Models
@testable import Lab

/// The semi-supervised `tail_linear` candidate's inputs: every numeric column beside its two −log
/// empirical tail shares among the training rows.
@Suite struct TailFeaturesTests {
    /// The lower tail read from the one fitted standardiser is, bit for bit, a standardiser fitted
    /// on the negated values read at −value (the form it replaced): ties, values outside the fitted
    /// range, missing and infinite values.
    @Test func lowerTailEqualsTheNegatedFit() {
        var g = RandomGenerator(seed: 5)
        let fitted = (0..<300).map { _ in Float(g.nextInt(below: 40)) / 4 } + [.nan, .infinity]
        let tails = TailStandardizer(fitting: fitted), negated = TailStandardizer(fitting: fitted.map { -$0 })
        for v in stride(from: Float(-2), through: 12, by: 0.125).map({ $0 }) + [.nan, .infinity, -.infinity] {
            #expect(tails.lower(v).bitPattern == negated(-v).bitPattern, "\(v)")
        }
        #expect(tails.lower(nil) == 0 && tails.lower(-1) == Float(-log(1.0 / 301)))
    }

    @Test func tailSharesKnownValues() {
        // x: 1…5 in the fitted rows, 100 and a missing value outside them; c: categorical.
        let x: [Float] = [1, 2, 3, 4, 5, 100, .nan]
        let values = x.enumerated().flatMap { [$0.element, Float($0.offset % 2)] }
        let matrix = FeatureMatrix(rows: 7, names: ["x", "c"], cardinalities: [nil, 2], values: values)
        let tails = TailFeatures(fitting: matrix, rows: [0, 1, 2, 3, 4])
        let out = tails.transform(matrix)
        #expect(out.names == ["x", "tail_hi_x", "tail_lo_x", "c"] && out.cardinalities == [nil, nil, nil, 2])
        // Where a numeric column's value lands (the prior's column for the combination); none for a category.
        #expect(tails.valueColumn(of: 0) == 0 && tails.valueColumn(of: 1) == nil && tails.tailColumns == [1, 2])
        func row(_ r: Int) -> [Float] { Array(out.values[(r * 4)..<(r * 4 + 4)]) }
        // Sample 5 lies beyond every fitted value: upper tail (0 + 1) / (5 + 1); lower tail 1.
        #expect(row(5)[0] == 100 && abs(row(5)[1] - Float(log(6.0))) < 1e-6 && abs(row(5)[2]) < 1e-6 && row(5)[3] == 1)
        // Sample 0, the smallest: 5 of 5 fitted values are at least 1, 1 of 5 at most 1: (1 + 1) / 6.
        #expect(abs(row(0)[1]) < 1e-6 && abs(row(0)[2] - Float(log(3.0))) < 1e-6 && row(0)[3] == 0)
        // Sample 2, the median: 3 of 5 on each side, −log(4 / 6) in both tails.
        #expect(abs(row(2)[1] - Float(-log(4.0 / 6))) < 1e-6 && abs(row(2)[2] - Float(-log(4.0 / 6))) < 1e-6)
        // A missing value stays missing in the raw column and is unremarkable in both tails.
        #expect(row(6)[0].isNaN && row(6)[1] == 0 && row(6)[2] == 0)
        // Only the fitted rows set the tails: 100 outside them moves nothing.
        let refit = TailFeatures(fitting: matrix, rows: [0, 1, 2, 3, 4, 5])
        #expect(refit.transform(matrix).values[5 * 4 + 1] != out.values[5 * 4 + 1])
    }

    /// Anomalies at both ends of a heavy-tailed feature: one logistic weight per tail ranks them
    /// above the rest, where a weight on the raw value can only follow one end.
    @Test func aLogisticRegressionOnTailSharesLearnsBothEnds() throws {
        var g = RandomGenerator(seed: 11)
        let rows = 600
        var values: [Float] = [], labels: [Float] = []
        for _ in 0..<rows {
            let u = (Double(g.next() >> 11) + 0.5) / Double(1 << 53)
            let noise = Double(g.next() >> 11) / Double(1 << 53)
            // A log-normal-like value: exp of a logistic variate; the 4% at each end are anomalies.
            let z = log(u / (1 - u))
            values += [Float(exp(2 * z)), Float(noise)]
            labels.append(u < 0.04 || u > 0.96 ? 1 : 0)
        }
        let matrix = FeatureMatrix(rows: rows, names: ["amount", "noise"], cardinalities: [nil, nil], values: values)
        let labelled = Array(0..<200), held = Array(200..<rows)
        // The tails come from every row (no label read); the classifier from the labelled ones.
        let tails = TailFeatures(fitting: matrix, rows: Array(0..<rows))
        let model = TailFeatureModel(LogisticRegression.make(options: .init(c: 0.03)), tails: tails)
        try model.fit(matrix.selecting(rows: labelled), labels: labelled.map { labels[$0] }, valid: nil)
        let raw = LogisticRegression.make(options: .init(c: 0.03))
        try raw.fit(matrix.selecting(rows: labelled), labels: labelled.map { labels[$0] }, valid: nil)
        let truth = held.map { labels[$0] == 1 }
        let viaTails = RankingCurve(scores: model.score(matrix.selecting(rows: held)).map(Double.init), labels: truth).rocAUC ?? 0
        let viaRaw = RankingCurve(scores: raw.score(matrix.selecting(rows: held)).map(Double.init), labels: truth).rocAUC ?? 0
        #expect(truth.filter { $0 }.count > 15)
        #expect(viaTails > 0.95 && viaRaw < 0.8, "tails \(viaTails), raw \(viaRaw)")
        #expect(model.summary.contains("tail shares of 2 numeric columns"))
    }

    /// Fisher's combination with the pre-trained score: each score's −log tail share among the
    /// reference (training) rows, summed.
    @Test func thePriorCombinedScoreSumsBothTails() throws {
        // Columns: x (what the classifier reads) and the pre-trained score.
        let reference = FeatureMatrix(rows: 4, names: ["x", "prior"], cardinalities: [nil, nil], values: [0, 1, 1, 2, 2, 3, 3, 4])
        let classifier = ColumnSubsetModel(LogisticRegression.make(options: .init()), columns: [0])
        let model = PriorCombinedModel([classifier], prior: 1, reference: reference)
        try model.fit(reference, labels: [0, 0, 1, 1], valid: nil)
        let x = FeatureMatrix(rows: 3, names: ["x", "prior"], cardinalities: [nil, nil], values: [10, 5, 0, 1, 10, 1])
        let scores = model.score(x)
        // Both beyond every reference value: 2 log 5. Both the smallest: 0 + 0. The classifier's
        // tail alone: log 5.
        #expect(abs(scores[0] - Float(2 * log(5.0))) < 1e-5 && abs(scores[1]) < 1e-6 && abs(scores[2] - Float(log(5.0))) < 1e-5)
        #expect(model.summary.contains("combined with the pre-trained score"))

        // Two classifiers (tail_ensemble's shape): each one's tail is added, then the prior's.
        let two = PriorCombinedModel([ColumnSubsetModel(LogisticRegression.make(options: .init()), columns: [0]),
                                      ColumnSubsetModel(LogisticRegression.make(options: .init(c: 0.1)), columns: [0])],
                                     prior: 1, reference: reference)
        try two.fit(reference, labels: [0, 0, 1, 1], valid: nil)
        let both = two.score(x)
        #expect(abs(both[0] - Float(3 * log(5.0))) < 1e-5 && abs(both[1]) < 1e-6 && abs(both[2] - Float(2 * log(5.0))) < 1e-5, "\(both)")
        #expect(two.summary.components(separatedBy: " and ").count == 2)
    }
}
