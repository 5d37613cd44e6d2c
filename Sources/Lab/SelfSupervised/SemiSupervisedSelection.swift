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
/// - `probe`: logistic regression on the self-supervised components' standardised columns only
///   (a linear probe of the pre-trained representation: one weight per column, so a few labels
///   re-weigh the label-free evidence towards the columns that mark anomalies);
/// - `classifier`: `model.type` on every generic feature beside those columns.
/// The one with the highest average precision on the labelled validation samples is kept (a
/// tie keeps the simpler).
public enum SemiSupervisedCandidate: String, CaseIterable, Sendable {
    case pretrained, probe, classifier
}

extension LabelFraction {
    /// The validation samples whose labels a run with `fraction` of the training labels reads.
    public static func validation(_ samples: [Int], labels: [Float], fraction: Double, seed: UInt64) -> [Int] {
        sample(samples, labels: labels, fraction: fraction, seed: seed ^ 0x0FA1_1DA7E)
    }
}

extension SelfSupervisedScores {
    /// The standardised columns as a numeric feature matrix over `samples` (the probe's input).
    func standardizedMatrix(_ samples: [Int]) -> FeatureMatrix {
        let width = columns.count
        var values = [Float](repeating: 0, count: samples.count * width)
        for (r, i) in samples.enumerated() { for j in 0..<width { values[r * width + j] = standardized(sample: i, column: j) } }
        return FeatureMatrix(rows: samples.count, names: columns.map(\.name), cardinalities: Array(repeating: nil, count: width), values: values)
    }
}

extension ExperimentRunner {
    /// The linear probe: logistic regression (L2, C = 1, balanced classes) fitted on the labelled
    /// training samples' standardised self-supervised columns.
    func fitProbe(_ pretrained: SelfSupervisedScores, labelled train: [Int], dataset: PreparedDataset) throws -> LinearClassifier {
        let probe = LogisticRegression.make(options: .init())
        try probe.fit(pretrained.standardizedMatrix(train), labels: train.map { dataset.labels[$0] }, valid: nil)
        return probe
    }

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
    /// Scores every split with each candidate, keeps the one best on the labelled validation
    /// samples (`labelledValid`, the only validation labels read) and picks its threshold on
    /// them by `evaluation.threshold`. `classifier` holds the fitted `model.type`'s scores of
    /// the train, validation and test splits.
    func chooseSemiSupervised(_ pretrained: SelfSupervisedScores, classifier: [ScoredSamples], labelledTrain: [Int], labelledValid: [Int],
                              dataset: PreparedDataset, reporter: ProgressReporter)
        throws -> (kept: SemiSupervisedCandidate, scored: [ScoredSamples], threshold: Double) {
        let fitted = try fitProbe(pretrained, labelled: labelledTrain, dataset: dataset)
        let probe = classifier.map { fitted.score(pretrained.standardizedMatrix($0.samples)).map(Double.init) }
        func scores(_ candidate: SemiSupervisedCandidate, split s: Int) -> [Double] {
            switch candidate {
            case .pretrained: classifier[s].samples.map { pretrained.score(sample: $0) }
            case .probe: probe[s]
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
        let scored = kept == .classifier ? classifier : classifier.indices.map { s in
            let values = scores(kept, split: s)
            return ScoredSamples(samples: classifier[s].samples, scores: values, logits: values, modalityWeights: nil, modalities: [], loss: .nan,
                                 secondsPerSample: 0)
        }
        let threshold = Evaluator.chooseThreshold(scores: onValid[kept]!, labels: labels, rule: options.evaluation.thresholdRule)
        return (kept, scored, threshold)
    }

    /// The probe's attribution per anomaly type: the test logit's drop when a component's
    /// columns are set missing (imputed with their training mean).
    func probeAttribution(_ pretrained: SelfSupervisedScores, labelledTrain: [Int], test: ScoredSamples, dataset: PreparedDataset) throws -> ModalityAttribution? {
        let probe = try fitProbe(pretrained, labelled: labelledTrain, dataset: dataset)
        let x = pretrained.standardizedMatrix(test.samples)
        func logits(_ m: FeatureMatrix) -> [Double] {
            probe.score(m).map { let p = min(max(Double($0), 1e-7), 1 - 1e-7); return log(p / (1 - p)) }
        }
        let reference = logits(x)
        let components = pretrained.components
        let drops = components.map { component in
            var masked = x
            for i in 0..<x.rows { for j in pretrained.columns.indices where pretrained.columns[j].component == component { masked.values[i * x.columns + j] = .nan } }
            return zip(reference, logits(masked)).map { $0 - $1 }
        }
        return ModalityAttribution.summarise(drops: drops, columns: components, samples: test.samples, dataset: dataset,
                                             method: "masking_logit_drop", gates: nil)
    }
}
