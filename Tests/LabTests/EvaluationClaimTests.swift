import Foundation
import Testing
import Support
@testable import Lab

/// One row of predictions.csv.
struct PredictionRow {
    var split: String
    var label: Bool
    var score: Double
    var predicted: Bool
}

func readPredictions(_ directory: String) throws -> [PredictionRow] {
    let lines = read(directory + "/predictions.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    try #require(lines.first?.prefix(6) == ["sample_id", "split", "label", "anomaly_type", "score", "predicted"])
    return try lines.dropFirst().map { f in
        PredictionRow(split: f[1], label: f[2] == "1", score: try #require(Double(f[4])), predicted: f[5] == "1")
    }
}

/// A run's metrics.json, parsed.
func readMetrics(_ directory: String) throws -> JSONValue { try JSONParser.parse(read(directory + "/metrics.json")) }

/// history.csv as columns by name.
func readHistory(_ directory: String) throws -> [String: [Double?]] {
    let lines = read(directory + "/history.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let header = try #require(lines.first)
    var columns: [String: [Double?]] = [:]
    for (k, name) in header.enumerated() { columns[name] = lines.dropFirst().map { Double($0[k]) } }
    return columns
}

/// Counts at threshold t (positive when score ≥ t), computed here without the metrics code.
struct Counts: Equatable {
    var tp = 0, fp = 0, tn = 0, fn = 0
    init(_ rows: [PredictionRow], threshold t: Double) {
        for r in rows {
            switch (r.score >= t, r.label) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
    }
}

/// Brute force over every distinct score: the highest threshold with the largest F1, and the
/// lowest threshold whose false-positive rate stays within `target`.
func bruteForceMaxF1Threshold(_ rows: [PredictionRow]) -> Double {
    var best = -1.0, chosen = Double.infinity
    for t in Set(rows.map(\.score)).sorted(by: >) {
        let c = Counts(rows, threshold: t)
        let f1 = Double(2 * c.tp) / Double(2 * c.tp + c.fp + c.fn)
        if f1 > best { best = f1; chosen = t }
    }
    return chosen
}

func bruteForceFPRThreshold(_ rows: [PredictionRow], target: Double) -> Double {
    let negatives = rows.filter { !$0.label }.count
    return Set(rows.map(\.score)).sorted().first { Double(Counts(rows, threshold: $0).fp) <= target * Double(negatives) } ?? .infinity
}

/// The claims about evaluation, checked on real runs of the tiny shop: the threshold is chosen on
/// the validation split and applied to the test split; early stopping restores the best epoch.
@Suite(.serialized) struct EvaluationClaimTests {
    func checkThresholdFromValidation(rule: [String], choose: ([PredictionRow]) -> Double) throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, rule), reporter: { _ in })
        let result = try runner.run(seed: 2, fold: nil, resume: false)
        let rows = try readPredictions(result.directory)
        let valid = rows.filter { $0.split == "valid" }, test = rows.filter { $0.split == "test" }
        try #require(valid.count > 30 && test.count > 30)
        let threshold = choose(valid)
        // The test split would choose another threshold: the check below can tell the two apart.
        #expect(choose(test) != threshold, "valid and test choose the same threshold; the test cannot tell them apart")
        let metrics = try readMetrics(result.directory)
        let testJSON = try #require(metrics["test"]), validJSON = try #require(metrics["valid"])
        #expect(testJSON["threshold"]?.doubleValue == threshold && validJSON["threshold"]?.doubleValue == threshold,
                "metrics.json threshold \(String(describing: testJSON["threshold"])), chosen on the valid rows: \(threshold)")
        let c = Counts(test, threshold: threshold)
        let confusion = try #require(testJSON["confusion"])
        #expect([confusion["tp"]?.intValue, confusion["fp"]?.intValue, confusion["tn"]?.intValue, confusion["fn"]?.intValue] == [c.tp, c.fp, c.tn, c.fn],
                "test confusion \(confusion.rendered()) vs \(c) at the validation threshold \(threshold)")
        if c.tp + c.fp > 0 { #expect(testJSON["precision"]?.doubleValue == Double(c.tp) / Double(c.tp + c.fp)) }
        else { #expect(testJSON["precision"] == .null) }
        #expect(testJSON["recall"]?.doubleValue == Double(c.tp) / Double(c.tp + c.fn))
        // predictions.csv's `predicted` column uses the same threshold.
        #expect(rows.allSatisfy { $0.predicted == ($0.score >= threshold) })
    }

    @Test func theMaxF1ThresholdIsChosenOnValidationAndAppliedToTest() throws {
        try checkThresholdFromValidation(rule: []) { bruteForceMaxF1Threshold($0) }
    }

    @Test func theFPRThresholdIsChosenOnValidationAndAppliedToTest() throws {
        try checkThresholdFromValidation(rule: ["evaluation.threshold=fpr", "evaluation.target_fpr=0.1"]) {
            bruteForceFPRThreshold($0, target: 0.1)
        }
    }

    @Test func earlyStoppingRestoresTheBestEpochsWeights() throws {
        let out = scratchDirectory()
        // A high learning rate makes validation ROC-AUC peak early, then fall: training stops
        // after `patience` worse epochs, and the best epoch's weights must be what scores the data.
        let runner = ExperimentRunner(config: try tinyConfig(out, ["training.epochs=12", "training.optimizer.lr=0.02",
                                                                   "training.early_stopping.metric=roc_auc",
                                                                   "training.early_stopping.patience=2"]), reporter: { _ in })
        let result = try runner.run(seed: 4, fold: nil, resume: false)
        let history = try readHistory(result.directory)
        let auc = try #require(history["valid_roc_auc"]).map { $0! }
        let best = try #require(try readMetrics(result.directory)["best_epoch"]?.intValue)
        try #require(best < auc.count, "no epoch after the best one: nothing to restore (\(auc))")
        #expect(best == auc.firstIndex(of: auc.max()!)! + 1)
        #expect(auc.count == best + 2, "stopped \(auc.count - best) epochs after the best; patience is 2")
        // The final scores are the best epoch's: validation ROC-AUC recomputed from predictions.csv.
        let valid = try readPredictions(result.directory).filter { $0.split == "valid" }
        let pos = valid.filter(\.label).map(\.score), neg = valid.filter { !$0.label }.map(\.score)
        var wins = 0.0
        for p in pos { for n in neg { wins += p > n ? 1 : p == n ? 0.5 : 0 } }
        let recomputed = wins / Double(pos.count * neg.count)
        try #require(Swift.abs(auc[best - 1] - auc.last!) > 1e-6)
        #expect(Swift.abs(recomputed - auc[best - 1]) < 1e-9,
                "predictions.csv gives valid ROC-AUC \(recomputed); best epoch \(best) had \(auc[best - 1]), last epoch \(auc.last!)")
    }
}
