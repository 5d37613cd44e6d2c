/// ROC and precision–recall curves over distinct score thresholds, as scikit-learn builds them
/// (`roc_curve(drop_intermediate=False)`, `precision_recall_curve`): samples are sorted by
/// score, descending, and tied scores form one threshold.
public struct RankingCurve: Sendable {
    /// Distinct thresholds, descending; point i predicts positive for score ≥ thresholds[i].
    public var thresholds: [Double]
    /// Cumulative true and false positives at each threshold.
    public var truePositives: [Double]
    public var falsePositives: [Double]
    public var positives: Double
    public var negatives: Double

    public init(scores: [Double], labels: [Bool]) {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = [], tps: [Double] = [], fps: [Double] = []
        var tp = 0.0, fp = 0.0
        for (k, i) in order.enumerated() {
            if labels[i] { tp += 1 } else { fp += 1 }
            // Close a threshold where the next score differs (ties share one point).
            if k == order.count - 1 || scores[order[k + 1]] != scores[i] {
                thresholds.append(scores[i]); tps.append(tp); fps.append(fp)
            }
        }
        self.thresholds = thresholds
        truePositives = tps
        falsePositives = fps
        positives = tp
        negatives = fp
    }

    /// Area under the ROC curve by the trapezoid rule (ties count half, as Mann–Whitney);
    /// nil when one class is absent.
    public var rocAUC: Double? {
        guard positives > 0, negatives > 0 else { return nil }
        var area = 0.0, prevTPR = 0.0, prevFPR = 0.0
        for i in thresholds.indices {
            let tpr = truePositives[i] / positives, fpr = falsePositives[i] / negatives
            area += (fpr - prevFPR) * (tpr + prevTPR) / 2
            prevTPR = tpr; prevFPR = fpr
        }
        return area
    }

    /// Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ, step interpolation, no trapezoid (scikit-learn's
    /// `average_precision_score`); nil without positives.
    public var averagePrecision: Double? {
        guard positives > 0 else { return nil }
        var ap = 0.0, prevRecall = 0.0
        for i in thresholds.indices {
            let recall = truePositives[i] / positives
            let precision = truePositives[i] / (truePositives[i] + falsePositives[i])
            ap += (recall - prevRecall) * precision
            prevRecall = recall
        }
        return ap
    }

    /// The highest true-positive rate among points with false-positive rate ≤ `fpr`.
    public func recall(atFalsePositiveRate fpr: Double) -> Double? {
        guard positives > 0, negatives > 0 else { return nil }
        var best = 0.0
        for i in thresholds.indices where falsePositives[i] / negatives <= fpr + 1e-12 {
            best = max(best, truePositives[i] / positives)
        }
        return best
    }

    /// The lowest threshold whose false-positive rate stays ≤ `fpr` (the most recall allowed);
    /// +∞ (predict nothing) when even the top score exceeds it.
    public func thresholdAtFalsePositiveRate(_ fpr: Double) -> Double {
        guard negatives > 0 else { return thresholds.last ?? .infinity }
        var chosen = Double.infinity
        for i in thresholds.indices where falsePositives[i] / negatives <= fpr + 1e-12 { chosen = thresholds[i] }
        return chosen
    }

    /// The threshold that maximises F1 (the first, i.e. highest, on ties); +∞ without positives.
    public func thresholdMaximizingF1() -> Double {
        guard positives > 0 else { return .infinity }
        var best = -1.0, chosen = Double.infinity
        for i in thresholds.indices {
            let tp = truePositives[i], fp = falsePositives[i], fn = positives - tp
            let f1 = 2 * tp / max(2 * tp + fp + fn, 1e-300)
            if f1 > best { best = f1; chosen = thresholds[i] }
        }
        return chosen
    }
}
