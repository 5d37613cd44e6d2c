import Foundation
import Tensor
import Datasets
import Models

/// The candidates a semi-supervised run chooses between, simplest first:
/// - `pretrained`: the self-supervised score alone (no label read, nothing fitted);
/// - `components`: L2 logistic regression (C = 1, balanced classes, standardised) on the
///   self-supervised columns only (`surprise_ssl_*`) — a dozen weights, so a few dozen labelled
///   anomalies re-weight the components instead of the plain mean, and one strong component is
///   no longer diluted by the others;
/// - `linear`: the same logistic regression on every feature (the generic features and the
///   self-supervised columns; categories seen fewer than 10 times among the labelled rows in one
///   column);
/// - `classifier`: `model.type` on every feature, without early stopping (nothing to watch).
/// The one with the highest out-of-fold average precision over every labelled sample the run
/// may read is kept (a tie keeps the simpler); see `SemiSupervisedCrossValidation`.
public enum SemiSupervisedCandidate: String, CaseIterable, Sendable {
    case pretrained, components, linear, classifier
}

extension LabelFraction {
    /// The validation samples whose labels a run with `fraction` of the training labels reads.
    public static func validation(_ samples: [Int], labels: [Float], fraction: Double, seed: UInt64) -> [Int] {
        sample(samples, labels: labels, fraction: fraction, seed: seed ^ 0x0FA1_1DA7E)
    }
}

/// Stratified k-fold assignment, as scikit-learn's `StratifiedKFold(shuffle=True)`: within each
/// class the samples are shuffled by `seed` and dealt to the folds in turn, so every fold holds
/// each class in about the same share.
public enum StratifiedFolds {
    /// The number of folds for `labels`: `preferred`, but no more than the rarer class has
    /// members (every fold must hold an anomaly); below 2 there is nothing to cross-validate.
    public static func count(labels: [Bool], preferred: Int) -> Int {
        let positives = labels.filter { $0 }.count
        return min(preferred, positives, labels.count - positives)
    }

    /// Each position's fold in `0..<folds`.
    public static func assign(labels: [Bool], folds: Int, seed: UInt64) -> [Int] {
        precondition(folds >= 1, "at least one fold")
        var g = RandomGenerator(seed: seed ^ 0x5F01_D5C7)
        var fold = [Int](repeating: 0, count: labels.count)
        var next = 0
        for cls in [true, false] {
            var members = labels.indices.filter { labels[$0] == cls }
            members.shuffle(using: &g)
            // The deal continues where the other class stopped, so fold sizes differ by one at most.
            for i in members { fold[i] = next % folds; next += 1 }
        }
        return fold
    }
}

extension ExperimentRunner {
    /// Average precision of each candidate's scores, and the one kept: the highest, the simpler
    /// on a tie (`SemiSupervisedCandidate` order); the pre-trained score when no candidate has an
    /// average precision (one class only).
    static func chooseCandidate(_ scores: [SemiSupervisedCandidate: [Double]], labels: [Bool])
        -> (kept: SemiSupervisedCandidate, averagePrecision: [SemiSupervisedCandidate: Double]) {
        var ap: [SemiSupervisedCandidate: Double] = [:]
        for (candidate, values) in scores { ap[candidate] = RankingCurve(scores: values, labels: labels).averagePrecision }
        var kept = SemiSupervisedCandidate.pretrained
        for candidate in SemiSupervisedCandidate.allCases {
            if let value = ap[candidate], value > (ap[kept] ?? -1) { kept = candidate }
        }
        return (kept, ap)
    }
}
