import Testing
@testable import Lab

/// Metrics against hand-computed values (checked with scikit-learn's definitions).
@Suite struct MetricsTests {
    func close(_ a: Double?, _ b: Double, _ tol: Double = 1e-12) -> Bool { a.map { Swift.abs($0 - b) < tol } ?? false }

    @Test func rocAUCWithTies() {
        // sklearn: roc_auc_score([0,0,1,1,0,1], [0.1,0.4,0.35,0.8,0.4,0.4]) = 0.6667
        // pairs (pos,neg): 0.35 beats 0.1 only (1 of 3); 0.8 beats all (3); 0.4 beats 0.1 (1) and ties two 0.4 (2 × ½) → 2.
        let curve = RankingCurve(scores: [0.1, 0.4, 0.35, 0.8, 0.4, 0.4], labels: [false, false, true, true, false, true])
        #expect(close(curve.rocAUC, 6.0 / 9.0))
    }

    @Test func averagePrecisionStepInterpolation() {
        // sklearn: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333…
        let curve = RankingCurve(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])
        #expect(close(curve.averagePrecision, 0.5 * 1 + 0.5 * (2.0 / 3.0)))
        // With a tie spanning both classes: scores [0.5,0.5,0.2], labels [1,0,1] →
        // thresholds 0.5 (R=½, P=½), 0.2 (R=1, P=⅔) → ½·½ + ½·⅔.
        let tied = RankingCurve(scores: [0.5, 0.5, 0.2], labels: [true, false, true])
        #expect(close(tied.averagePrecision, 0.25 + 1.0 / 3.0))
    }

    @Test func oneClassSplitsAreUndefinedNotNaN() {
        let onlyNegatives = RankingCurve(scores: [0.1, 0.2], labels: [false, false])
        #expect(onlyNegatives.rocAUC == nil && onlyNegatives.averagePrecision == nil)
        let onlyPositives = RankingCurve(scores: [0.1, 0.2], labels: [true, true])
        #expect(onlyPositives.rocAUC == nil)
        #expect(close(onlyPositives.averagePrecision, 1))
        let m = Evaluator.evaluate(scores: [0.1, 0.2], labels: [false, false], types: ["", ""], threshold: 0.5)
        #expect(m.precision == nil && m.recall == nil && m.f1 == nil && close(m.accuracy, 1))
    }

    @Test func thresholdsChosenOnValidation() {
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
        let labels = [true, true, false, true, false, false, false, false]
        let curve = RankingCurve(scores: scores, labels: labels)
        // F1 at 0.8: 2·2/(4+0+1) = 0.8; at 0.6: 2·3/(6+1+0) = 0.857 → 0.6.
        #expect(curve.thresholdMaximizingF1() == 0.6)
        // FPR ≤ 0.2 (5 negatives → at most 1 FP): lowest threshold with ≤ 1 FP is 0.6.
        #expect(curve.thresholdAtFalsePositiveRate(0.2) == 0.6)
        #expect(curve.thresholdAtFalsePositiveRate(0.0) == 0.8)
        #expect(close(curve.recall(atFalsePositiveRate: 0.0), 2.0 / 3.0))
    }

    @Test func confusionAndDerivedMetrics() {
        let c = ConfusionMatrix(scores: [0.9, 0.6, 0.4, 0.2, 0.7], labels: [true, false, true, false, true], threshold: 0.5)
        #expect(c == { var m = ConfusionMatrix(scores: [], labels: [], threshold: 0); m.truePositives = 2; m.falsePositives = 1; m.trueNegatives = 1; m.falseNegatives = 1; return m }())
        #expect(close(c.precision, 2.0 / 3.0) && close(c.recall, 2.0 / 3.0) && close(c.f1, 2.0 / 3.0) && close(c.accuracy, 0.6))
    }

    @Test func precisionAtKAndRecallByType() {
        #expect(close(precision(atK: 2, scores: [0.1, 0.9, 0.8, 0.3], labels: [true, true, false, false]), 0.5))
        let r = recallByType(scores: [0.9, 0.1, 0.8, 0.7], types: ["bot", "bot", "ato", ""], threshold: 0.5)
        #expect(r == ["bot": 0.5, "ato": 1.0])
    }
}
