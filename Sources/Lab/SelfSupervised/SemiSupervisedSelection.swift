import Foundation
import Datasets
import Models

/// The candidates a semi-supervised run chooses between, and the validation labels it may read.
///
/// With a fraction f of the training labels, a run reads the same fraction f of the validation
/// labels (stratified, seeded as the training fraction but with its own draw) — for early
/// stopping, for choosing a candidate and for the threshold; the other validation labels are
/// read only to measure, as the test labels. The candidates, simplest first:
/// - `pretrained`: the self-supervised score alone (no label read);
/// - `linear`: L2-regularised logistic regression (C = 1, balanced classes, categories seen fewer
///   than 10 times among the labelled rows in one column) on the same features as the classifier — every generic feature and the self-supervised columns: one weight per
///   feature, a low-variance learner for a few dozen anomalies where trees overfit;
/// - `classifier`: `model.type` on those features.
/// The one with the highest average precision on the labelled validation samples is kept (a
/// tie keeps the simpler).
public enum SemiSupervisedCandidate: String, CaseIterable, Sendable {
    case pretrained, linear, classifier
}

extension LabelFraction {
    /// The validation samples whose labels a run with `fraction` of the training labels reads.
    public static func validation(_ samples: [Int], labels: [Float], fraction: Double, seed: UInt64) -> [Int] {
        sample(samples, labels: labels, fraction: fraction, seed: seed ^ 0x0FA1_1DA7E)
    }
}

extension ExperimentRunner {
    /// Average precision of each candidate's scores on the labelled validation samples, and the
    /// one kept: the highest, the simpler on a tie (`SemiSupervisedCandidate` order); the
    /// pre-trained score when no candidate has an average precision (one class only).
    static func chooseCandidate(_ validScores: [SemiSupervisedCandidate: [Double]], labels: [Bool])
        -> (kept: SemiSupervisedCandidate, averagePrecision: [SemiSupervisedCandidate: Double]) {
        var ap: [SemiSupervisedCandidate: Double] = [:]
        for (candidate, scores) in validScores { ap[candidate] = RankingCurve(scores: scores, labels: labels).averagePrecision }
        var kept = SemiSupervisedCandidate.pretrained
        for candidate in SemiSupervisedCandidate.allCases {
            if let value = ap[candidate], value > (ap[kept] ?? -1) { kept = candidate }
        }
        return (kept, ap)
    }
}

extension ExperimentRunner {
    /// Keeps the candidate best on the labelled validation samples (`labelledValid`, the only
    /// validation labels read) and picks its threshold on them by `evaluation.threshold`.
    /// `classifier` and `linear` hold the fitted models' scores of the train, validation and
    /// test splits.
    func chooseSemiSupervised(_ pretrained: SelfSupervisedScores, classifier: [ScoredSamples], linear: [ScoredSamples], labelledValid: [Int],
                              dataset: PreparedDataset, reporter: ProgressReporter)
        -> (kept: SemiSupervisedCandidate, scored: [ScoredSamples], threshold: Double) {
        func scores(_ candidate: SemiSupervisedCandidate, split s: Int) -> [Double] {
            switch candidate {
            case .pretrained: classifier[s].samples.map { pretrained.score(sample: $0) }
            case .linear: linear[s].scores
            case .classifier: classifier[s].scores
            }
        }
        let position = Dictionary(uniqueKeysWithValues: classifier[1].samples.enumerated().map { ($1, $0) })
        let labels = labelledValid.map { dataset.labels[$0] == 1 }
        var onValid: [SemiSupervisedCandidate: [Double]] = [:]
        for candidate in SemiSupervisedCandidate.allCases {
            let all = scores(candidate, split: 1)
            onValid[candidate] = labelledValid.map { all[position[$0]!] }
        }
        let (kept, ap) = Self.chooseCandidate(onValid, labels: labels)
        reporter.log("semi-supervised: validation AP on the \(labelledValid.count) labelled validation samples: "
                     + SemiSupervisedCandidate.allCases.map { c in "\(c.rawValue) " + (ap[c].map { String(format: "%.4f", $0) } ?? "undefined") }
                        .joined(separator: ", ") + "; \(kept.rawValue) is kept")
        let scored = kept == .classifier ? classifier : kept == .linear ? linear : classifier.indices.map { s in
            let values = scores(kept, split: s)
            return ScoredSamples(samples: classifier[s].samples, scores: values, logits: values, modalityWeights: nil, modalities: [], loss: .nan,
                                 secondsPerSample: 0)
        }
        let threshold = Evaluator.chooseThreshold(scores: onValid[kept]!, labels: labels, rule: options.evaluation.thresholdRule)
        return (kept, scored, threshold)
    }
}
