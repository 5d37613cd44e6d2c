import Foundation
import Datasets
import Models

/// The candidates a semi-supervised run chooses between, simplest first:
/// - `pretrained`: the self-supervised score alone (no label read, nothing fitted);
/// - `components`: L2 logistic regression (C = 1, balanced classes, standardised) on the
///   self-supervised columns only (`surprise_ssl_*`) — a dozen weights, so a few dozen labelled
///   anomalies re-weight the components instead of the plain mean, and one strong component is
///   no longer diluted by the others;
/// - `tail_linear`: L2 logistic regression (C = 0.03, balanced) on every numeric feature and
///   self-supervised column beside its two −log tail shares among the unlabelled training samples
///   (`TailFeatures`), and the categorical ones: one weight per tail, so "far out in this feature"
///   is learnt from a few anomalies whichever way the feature's tail runs; strongly regularised,
///   as a few hundred rows must weigh three times as many inputs;
/// - `tail_linear_prior`: `tail_linear` combined with the pre-trained score by Fisher's rule, the
///   sum of their −log tail shares among the training samples (`PriorCombinedModel`);
/// - `tail_ensemble`: `tail_linear_prior` with a third term, extremely randomised trees (300,
///   balanced classes, √inputs drawn per split) on the same tail shares: a tree can carry a sample
///   on one feature far out (an OR of one-feature rules), which the linear model's sum cannot; and
///   a fourth, the same forest on the tail columns that single out the labelled anomalies one by
///   one (`ExemplarColumnsModel`: for each, the two in which the fewest labelled normal samples reach
///   as far), which a forest over every column draws too rarely to learn from 2–3 anomalies of a type;
///   fitted with two synthetic anomalies per labelled one, a labelled normal sample carrying its
///   values in those columns;
/// - `linear`: the same logistic regression on every feature (the generic features and the
///   self-supervised columns; categories seen fewer than 10 times among the labelled rows in one
///   column);
/// - `classifier`: `model.type` on every feature, without early stopping (nothing to watch).
/// The one with the highest out-of-fold average precision over every labelled sample the run
/// may read is kept (a tie keeps the simpler) — when those samples hold at least
/// `SemiSupervisedCrossValidation.anomaliesToChoose` anomalies; with fewer, `tail_ensemble`, or
/// `tail_linear_prior` below `SemiSupervisedCrossValidation.anomaliesForTrees`
/// (`ExperimentRunner.keptCandidate`); see `SemiSupervisedCrossValidation`.
public enum SemiSupervisedCandidate: String, CaseIterable, Sendable {
    case pretrained, components, tailLinear = "tail_linear", tailLinearPrior = "tail_linear_prior", tailEnsemble = "tail_ensemble", linear,
         classifier
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
