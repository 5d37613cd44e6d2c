/// How the decision threshold is chosen — always on the validation split, then applied to test.
public enum ThresholdRule: Sendable, Equatable {
    case maxF1
    case falsePositiveRate(Double)
}

/// Every metric of one split. A metric that is undefined for the split (one class only, no
/// positive prediction) is nil and is written as such, never as NaN.
public struct SplitMetrics: Sendable, Codable, Equatable {
    public var samples: Int
    public var positives: Int
    public var rocAUC: Double?
    public var averagePrecision: Double?
    public var threshold: Double
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var accuracy: Double?
    public var recallAt1PercentFPR: Double?
    public var precisionAtK: [String: Double]
    public var confusion: ConfusionMatrix
    public var recallByType: [String: Double]
}

public enum Evaluator {
    /// The threshold picked on validation scores.
    public static func chooseThreshold(scores: [Double], labels: [Bool], rule: ThresholdRule) -> Double {
        let curve = RankingCurve(scores: scores, labels: labels)
        switch rule {
        case .maxF1: return curve.thresholdMaximizingF1()
        case let .falsePositiveRate(fpr): return curve.thresholdAtFalsePositiveRate(fpr)
        }
    }

    public static func evaluate(scores: [Double], labels: [Bool], types: [String], threshold: Double,
                                precisionAt ks: [Int] = [10, 50, 100]) -> SplitMetrics {
        let curve = RankingCurve(scores: scores, labels: labels)
        let confusion = ConfusionMatrix(scores: scores, labels: labels, threshold: threshold)
        var atK: [String: Double] = [:]
        for k in ks where k <= scores.count { atK["\(k)"] = precision(atK: k, scores: scores, labels: labels) }
        return SplitMetrics(
            samples: scores.count, positives: labels.filter { $0 }.count,
            rocAUC: curve.rocAUC, averagePrecision: curve.averagePrecision, threshold: threshold,
            precision: confusion.precision, recall: confusion.recall, f1: confusion.f1, accuracy: confusion.accuracy,
            recallAt1PercentFPR: curve.recall(atFalsePositiveRate: 0.01), precisionAtK: atK, confusion: confusion,
            recallByType: recallByType(scores: scores, types: types, threshold: threshold))
    }
}
