import Foundation
import Testing
@testable import Lab

/// Metrics against scikit-learn's own values on thousands of random scores with ties at several
/// prevalences: Tests/Fixtures/sklearn_metrics.json, written once by
/// Tests/Fixtures/make_metrics_fixture.py (which states each definition in scikit-learn's terms).
@Suite struct SklearnMetricsTests {
    struct Fixture: Decodable {
        struct AtThreshold: Decodable {
            var threshold: Double
            var precision: Double?, recall: Double?, f1: Double?, accuracy: Double
        }
        struct Case: Decodable {
            var name: String
            var scores: [Double]
            var labels: [Int]
            var roc_auc: Double
            var average_precision: Double
            var recall_at_1pct_fpr: Double
            var max_f1_threshold: Double
            var fpr_threshold: Double?
            var at_thresholds: [AtThreshold]
        }
        var sklearn: String
        var cases: [Case]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sklearn_metrics.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static let tolerance = 1e-12

    func expectClose(_ got: Double?, _ want: Double?, _ what: String, _ name: String) {
        switch (got, want) {
        case (nil, nil): break
        case let (g?, w?): #expect(Swift.abs(g - w) <= Self.tolerance, "\(name): \(what) \(g), scikit-learn \(w)")
        default: Issue.record("\(name): \(what) \(String(describing: got)), scikit-learn \(String(describing: want))")
        }
    }

    @Test func theFixtureCoversTiesAndPrevalences() {
        let cases = Self.fixture.cases
        #expect(cases.count == 5)
        for c in cases {
            #expect(c.scores.count == c.labels.count && c.scores.count >= 2000, "\(c.name)")
            #expect(Set(c.scores).count < c.scores.count, "\(c.name): no tied scores")
            #expect(c.at_thresholds.count >= 5, "\(c.name)")
        }
        let prevalences = cases.map { Double($0.labels.reduce(0, +)) / Double($0.labels.count) }
        #expect(prevalences.min()! < 0.01 && prevalences.max()! > 0.4)
    }

    @Test(arguments: 0..<5)
    func rankingMetricsEqualScikitLearn(index: Int) throws {
        let c = Self.fixture.cases[index]
        let labels = c.labels.map { $0 == 1 }
        let curve = RankingCurve(scores: c.scores, labels: labels)
        expectClose(curve.rocAUC, c.roc_auc, "ROC-AUC", c.name)
        expectClose(curve.averagePrecision, c.average_precision, "average precision", c.name)
        expectClose(curve.recall(atFalsePositiveRate: 0.01), c.recall_at_1pct_fpr, "recall at 1% FPR", c.name)
        #expect(curve.thresholdMaximizingF1() == c.max_f1_threshold, "\(c.name)")
        #expect(curve.thresholdAtFalsePositiveRate(0.01) == (c.fpr_threshold ?? .infinity), "\(c.name)")
        // The evaluator reports the same ranking metrics.
        let m = Evaluator.evaluate(scores: c.scores, labels: labels, types: labels.map { _ in "" }, threshold: 0.5)
        expectClose(m.rocAUC, c.roc_auc, "evaluator ROC-AUC", c.name)
        expectClose(m.averagePrecision, c.average_precision, "evaluator AP", c.name)
        expectClose(m.recallAt1PercentFPR, c.recall_at_1pct_fpr, "evaluator recall at 1% FPR", c.name)
    }

    @Test(arguments: 0..<5)
    func thresholdedMetricsEqualScikitLearn(index: Int) throws {
        let c = Self.fixture.cases[index]
        let labels = c.labels.map { $0 == 1 }
        for a in c.at_thresholds {
            let m = Evaluator.evaluate(scores: c.scores, labels: labels, types: labels.map { _ in "" }, threshold: a.threshold)
            let at = "at threshold \(a.threshold)"
            expectClose(m.precision, a.precision, "precision " + at, c.name)
            expectClose(m.recall, a.recall, "recall " + at, c.name)
            expectClose(m.f1, a.f1, "F1 " + at, c.name)
            expectClose(m.accuracy, a.accuracy, "accuracy " + at, c.name)
        }
    }
}
