import Foundation
import Support

/// ROC and precision–recall curves of a variant's runs on test, averaged over runs at fixed
/// points (vertical averaging): the mean and a ± std band, small enough to embed (≤ 200 points).
struct AveragedCurve {
    var xs: [Double]
    var mean: [Double]
    var lower: [Double]
    var upper: [Double]
}

/// A run's operating point on test at the threshold chosen on validation.
struct OperatingPoint {
    var falsePositiveRate: Double
    var recall: Double
    var precision: Double
}

enum AveragedCurves {
    /// False-positive rates to average at: even steps, plus log-spaced ones so the region
    /// around 1% FPR is resolved on a log axis.
    static let fprGrid: [Double] = {
        let linear = (0...100).map { Double($0) / 100 }
        let logSpaced = (0...60).map { pow(10, -3 + 3 * Double($0) / 60) }
        return Array(Set(linear + logSpaced)).sorted()
    }()

    static let recallGrid: [Double] = (0...120).map { Double($0) / 120 }

    /// TPR at each grid FPR: the best recall whose FPR does not exceed it (the ROC step).
    static func roc(_ curve: RankingCurve) -> [Double] {
        guard curve.positives > 0, curve.negatives > 0 else { return fprGrid.map { _ in .nan } }
        let fpr = curve.falsePositives.map { $0 / curve.negatives }, tpr = curve.truePositives.map { $0 / curve.positives }
        var out: [Double] = [], k = 0, best = 0.0
        for f in fprGrid {
            while k < fpr.count && fpr[k] <= f + 1e-12 { best = max(best, tpr[k]); k += 1 }
            out.append(best)
        }
        return out
    }

    /// Interpolated precision at each grid recall: the best precision at that recall or more.
    static func precisionRecall(_ curve: RankingCurve) -> [Double] {
        guard curve.positives > 0 else { return recallGrid.map { _ in .nan } }
        let recall = curve.truePositives.map { $0 / curve.positives }
        let precision = zip(curve.truePositives, curve.falsePositives).map { $0 / max(1, $0 + $1) }
        // Best precision from point i onwards (recall grows with i).
        var suffix = precision
        for i in stride(from: suffix.count - 2, through: 0, by: -1) { suffix[i] = max(suffix[i], suffix[i + 1]) }
        var out: [Double] = [], k = 0
        for r in recallGrid {
            while k < recall.count && recall[k] < r - 1e-12 { k += 1 }
            out.append(k < suffix.count ? suffix[k] : 0)
        }
        return out
    }

    static func average(_ xs: [Double], _ perRun: [[Double]]) -> AveragedCurve {
        var mean: [Double] = [], lower: [Double] = [], upper: [Double] = []
        for i in xs.indices {
            let values = perRun.map { $0[i] }.filter(\.isFinite)
            let (m, s) = ResultTables.meanAndStd(values)
            let mv = m ?? .nan, sv = s ?? 0
            mean.append(mv); lower.append(max(0, mv - sv)); upper.append(min(1, mv + sv))
        }
        return AveragedCurve(xs: xs, mean: mean, lower: lower, upper: upper)
    }

    static func curves(_ runs: [RunArtifacts]) -> (roc: AveragedCurve, pr: AveragedCurve) {
        let ranking = runs.map { RankingCurve(scores: $0.test.scores, labels: $0.test.labels) }
        return (average(fprGrid, ranking.map(roc)), average(recallGrid, ranking.map(precisionRecall)))
    }

    static func operatingPoint(_ run: RunArtifacts) -> OperatingPoint? {
        guard let t = run.threshold else { return nil }
        var tp = 0.0, fp = 0.0, positives = 0.0, negatives = 0.0
        for (s, y) in zip(run.test.scores, run.test.labels) {
            if y { positives += 1; if s >= t { tp += 1 } } else { negatives += 1; if s >= t { fp += 1 } }
        }
        guard positives > 0, negatives > 0 else { return nil }
        return OperatingPoint(falsePositiveRate: fp / negatives, recall: tp / positives, precision: tp + fp > 0 ? tp / (tp + fp) : 1)
    }
}
