import Foundation
import Tensor
import Datasets
import Models
import Support

/// A semi-supervised run's choice, fit and threshold, by stratified k-fold cross-validation over
/// every labelled sample the run may read: the labelled training fraction and the labelled
/// validation fraction, pooled. With 5% of the labels that is about 210 samples and 20 anomalies;
/// a single 38-sample validation split with 4 anomalies chose between candidates by noise.
///
/// Every candidate (`SemiSupervisedCandidate`) is fitted on k − 1 folds and scores the held-out
/// fold (k = `preferredFolds`, fewer when the pool holds fewer anomalies); the candidate with the
/// highest average precision over the pooled out-of-fold scores is kept, the threshold is chosen
/// on those out-of-fold scores (`evaluation.threshold`), and the kept candidate is refitted on
/// the whole pool to score every split. No other label is read: the unlabelled training samples
/// served the pre-training only, the rest of validation and the test split measure.
enum SemiSupervisedCrossValidation {
    static let preferredFolds = 5
    /// `tail_linear`'s C: three inputs per numeric feature (the value and its two tails) against
    /// a few hundred labelled rows. On 20 simulated 5% pools of the small shop's exported features
    /// (scikit-learn, scored on the held-out validation samples) the tails alone ranked 0.836,
    /// 0.842, 0.842, 0.836 ROC-AUC at C = 0.01, 0.03, 0.1, 1; the values beside them 0.855 at 0.03,
    /// the values alone 0.845 at C = 1.
    static let tailRegularization = 0.03
    /// Labelled anomalies the pool needs before the cross-validation's choice is trusted; with
    /// fewer, `tail_linear_prior` is kept. On the small shop (3 seeds, the held-out validation
    /// samples) it ranked best at 1%, 5% and 10% of the labels (ROC-AUC 0.855, 0.902, 0.921 on
    /// average), while the choice by out-of-fold AP kept others (0.833, 0.835, 0.913): with 5–43
    /// anomalies the per-fold standard errors of AP (0.02–0.07) are as large as the candidates'
    /// differences, and the pooled training samples' self-supervised columns — cross-fitted, from
    /// models fitted on part of the training split — rank worse than those of the samples the kept
    /// model will score (the pre-trained score's AP 0.30–0.36 on the 5% pools against 0.50 on the
    /// held-out validation samples), so the cross-validation undervalues every candidate that
    /// leans on them.
    static let anomaliesToChoose = 50
    /// Labelled anomalies the pool needs before `tail_ensemble`'s trees are kept (below
    /// `anomaliesToChoose`); with fewer, `tail_linear_prior`. Trees split on single anomalies: on
    /// the small shop's held-out validation samples (scikit-learn's ExtraTreesClassifier on the
    /// exported features and self-supervised columns, 3 seeds × 6 drawn pools each) the trees' tail
    /// added to `tail_linear_prior` lowered ROC-AUC at 1% of the labels (5 anomalies: 0.856 →
    /// 0.843) and raised it at 5% (22: 0.913 → 0.924, every seed) and 10% (43: 0.927 → 0.945).
    static let anomaliesForTrees = 10
    /// Tail columns per labelled anomaly that `tail_ensemble`'s second forest reads
    /// (`ExemplarColumnsModel`). On the small shop's held-out validation samples (the scikit-learn
    /// replica, `Benchmarks/semi_supervised_replica.py`, 3 seeds × 4 drawn pools) that forest as a
    /// fourth term raised ROC-AUC at 5% of the labels from 0.923 to 0.929, 0.930, 0.931 with 1, 2, 3
    /// columns per anomaly (0.927 with 5), and at 10% from 0.943 to 0.949 with 2; a second forest
    /// on every column in its place lowered it to 0.921.
    static let exemplarColumnsPerAnomaly = 2
    /// Synthetic anomalies per labelled one in that forest's fit (`ExemplarColumnsModel`: a
    /// labelled normal sample carrying the anomaly's values in its columns). On the replica's 5%
    /// pools, 0 → 1, 2, 3, 5 per anomaly ranked 0.9233 → 0.9255, 0.9266, 0.9265, 0.9262 (3 seeds × 6
    /// pools; better on 16 of 18 with 2); on 18 fresh pools, 0.9264 → 0.9288 (13 of 18); at 10%,
    /// 0.9487 → 0.9507.
    static let syntheticAnomaliesPerExemplar = 2
    /// `tail_ensemble`'s forests.
    static let ensembleTrees = ExtraTrees.Options(trees: 300, minSamplesLeaf: 1, maxFeatures: 0, classWeight: .balanced, minFrequency: 10)
}

extension ExperimentRunner {
    /// The candidate kept: the cross-validation's `best`, unless the pool's `anomalies` are too
    /// few to trust it (`SemiSupervisedCrossValidation.anomaliesToChoose`) and the candidates
    /// were `fitted` (at least two folds): then `tail_ensemble`, or `tail_linear_prior` when they
    /// are too few for trees (`SemiSupervisedCrossValidation.anomaliesForTrees`).
    static func keptCandidate(best: SemiSupervisedCandidate, anomalies: Int, fitted: Bool) -> SemiSupervisedCandidate {
        guard fitted && anomalies < SemiSupervisedCrossValidation.anomaliesToChoose else { return best }
        return anomalies >= SemiSupervisedCrossValidation.anomaliesForTrees ? .tailEnsemble : .tailLinearPrior
    }
}

extension ExperimentRunner {
    /// A fresh model for `candidate` (nil for `pretrained`, which fits nothing).
    /// `componentColumns` are the matrix's self-supervised columns; `prior` is the pre-trained
    /// score's column in `tails`' output and the training samples' rows transformed by it.
    static func semiSupervisedModel(_ candidate: SemiSupervisedCandidate, choice: ModelOptions.ClassicalChoice, componentColumns: [Int],
                                    tails: TailFeatures, prior: (column: Int, reference: FeatureMatrix), seed: UInt64) -> (any ClassicalModel)? {
        let tailLinear = { LogisticRegression.make(options: .init(c: SemiSupervisedCrossValidation.tailRegularization, minFrequency: 10)) }
        switch candidate {
        case .pretrained: return nil
        case .components: return ColumnSubsetModel(LogisticRegression.make(options: .init()), columns: componentColumns)
        case .tailLinear: return TailFeatureModel(tailLinear(), tails: tails)
        case .tailLinearPrior, .tailEnsemble:
            var classifiers: [any ClassicalModel] = [tailLinear()]
            if candidate == .tailEnsemble {
                let trees = SemiSupervisedCrossValidation.ensembleTrees
                classifiers.append(ExtraTrees(options: trees, seed: seed, threads: ComputeThreads.count))
                classifiers.append(ExemplarColumnsModel(ExtraTrees(options: trees, seed: seed &+ 0x5EED, threads: ComputeThreads.count),
                                                        candidates: tails.tailColumns, perAnomaly: SemiSupervisedCrossValidation.exemplarColumnsPerAnomaly,
                                                        syntheticPerAnomaly: SemiSupervisedCrossValidation.syntheticAnomaliesPerExemplar, seed: seed))
            }
            // The combination runs inside one tail transform, which its classifiers share and which
            // keeps the prior's value in its column.
            return TailFeatureModel(PriorCombinedModel(classifiers, prior: prior.column, reference: prior.reference), tails: tails)
        // Categories seen fewer than 10 times among the labelled rows share one column: with a
        // few hundred rows, a one-hot column per rare token (1,062 columns on the small shop) is fitted to noise.
        case .linear: return LogisticRegression.make(options: .init(minFrequency: 10))
        case .classifier: return choice.build(seed: seed, threads: ComputeThreads.count)
        }
    }

    /// Fits `model` on `rows` of `matrix`, watching nothing: the classifier does not stop early
    /// (a held-out fifth of a fold holds 3–7 anomalies at 5–10% of the labels, too few to choose
    /// a round by), so it is fitted the same way inside every fold and in the final refit, and the
    /// out-of-fold estimate measures what is kept.
    static func fitSemiSupervised(_ model: any ClassicalModel, matrix: FeatureMatrix, rows: [Int], labels: [Float]) throws {
        try model.fit(matrix.selecting(rows: rows), labels: rows.map { labels[$0] }, valid: nil)
    }

    /// Cross-validates the candidates over `pool` (sample indices whose labels the run reads),
    /// keeps the best by out-of-fold average precision, refits it on the pool and returns its
    /// scores of the train, validation and test `splits`, the threshold from its out-of-fold
    /// scores, and the fitted model (nil for the pre-trained score).
    func crossValidateSemiSupervised(_ pretrained: SelfSupervisedScores, choice: ModelOptions.ClassicalChoice, matrix: FeatureMatrix,
                                     pool: [Int], splits: [(rows: [Int], features: FeatureMatrix, labels: [Float])], dataset: PreparedDataset,
                                     seed: Int, reporter: ProgressReporter) throws
        -> (kept: SemiSupervisedCandidate, model: (any ClassicalModel)?, scored: [ScoredSamples], threshold: Double) {
        let labels = dataset.labels
        let positive = pool.map { labels[$0] == 1 }
        let componentColumns = matrix.names.indices.filter { matrix.names[$0].hasPrefix("surprise_ssl_") }
        // Both read the unlabelled training samples only: the tails of every feature, and the
        // training distribution of the pre-trained score (appended by `appendSelfSupervisedFeatures`).
        let training = dataset.indices(.train)
        let tails = TailFeatures(fitting: matrix, rows: training)
        let prior = (column: tails.valueColumn(of: matrix.names.firstIndex(of: "surprise_ssl_score")!)!,
                     reference: tails.transform(matrix.selecting(rows: training)))
        let k = StratifiedFolds.count(labels: positive, preferred: SemiSupervisedCrossValidation.preferredFolds)
        var outOfFold: [SemiSupervisedCandidate: [Double]] = [.pretrained: pool.map { pretrained.score(sample: $0) }]
        if k >= 2 {
            let fold = StratifiedFolds.assign(labels: positive, folds: k, seed: UInt64(seed))
            // Positions in `pool` fitted on and held out, per fold (the same for every candidate).
            let parts = (0..<k).map { f in (fitOn: pool.indices.filter { fold[$0] != f }, held: pool.indices.filter { fold[$0] == f }) }
            for candidate in SemiSupervisedCandidate.allCases where candidate != .pretrained {
                var values = [Double](repeating: 0, count: pool.count)
                for (f, (fitOn, held)) in parts.enumerated() {
                    let model = Self.semiSupervisedModel(candidate, choice: choice, componentColumns: componentColumns, tails: tails, prior: prior,
                                                         seed: UInt64(seed) &+ UInt64(f))!
                    try Self.fitSemiSupervised(model, matrix: matrix, rows: fitOn.map { pool[$0] }, labels: labels)
                    for (i, v) in zip(held, model.score(matrix.selecting(rows: held.map { pool[$0] }))) { values[i] = Double(v) }
                }
                outOfFold[candidate] = values
            }
        }
        let (best, ap) = Self.chooseCandidate(outOfFold, labels: positive)
        let anomalies = positive.filter { $0 }.count
        let kept = Self.keptCandidate(best: best, anomalies: anomalies, fitted: k >= 2)
        reporter.log("semi-supervised: \(k)-fold stratified cross-validation over the \(pool.count) labelled samples (\(anomalies) anomalies), "
                     + "out-of-fold AP: " + SemiSupervisedCandidate.allCases.map { c in "\(c.rawValue) " + (ap[c].map { String(format: "%.4f", $0) } ?? "not fitted") }
                        .joined(separator: ", ") + "; \(kept.rawValue) is kept"
                     + (kept == best ? "" : " (fewer than \(SemiSupervisedCrossValidation.anomaliesToChoose) anomalies: the cross-validation's choice, "
                                        + "\(best.rawValue), is not trusted"
                                        + (kept == .tailLinearPrior ? "; fewer than \(SemiSupervisedCrossValidation.anomaliesForTrees) for trees)" : ")")))
        let threshold = Evaluator.chooseThreshold(scores: outOfFold[kept]!, labels: positive, rule: options.evaluation.thresholdRule)

        let model = Self.semiSupervisedModel(kept, choice: choice, componentColumns: componentColumns, tails: tails, prior: prior, seed: UInt64(seed))
        if let model {
            try Self.fitSemiSupervised(model, matrix: matrix, rows: pool.sorted(), labels: labels)
            reporter.log("semi-supervised: refitted on all \(pool.count) labelled samples: \(model.summary)")
        }
        let scored = splits.map { split in
            let start = Date()
            let values = model.map { $0.score(split.features).map(Double.init) } ?? split.rows.map { pretrained.score(sample: $0) }
            return ScoredSamples(samples: split.rows, scores: values, logits: values, modalityWeights: nil, modalities: [], loss: .nan,
                                 secondsPerSample: Date().timeIntervalSince(start) / Double(max(split.rows.count, 1)))
        }
        return (kept, model, scored, threshold)
    }
}
