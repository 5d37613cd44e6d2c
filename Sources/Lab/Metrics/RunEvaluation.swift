import Foundation
import Datasets
import Models

/// Everything evaluating one trained model gives: the scores of each split, the threshold
/// chosen on validation and applied to test, the metrics of both, the test metrics with each
/// modality masked (when asked) and the attribution per anomaly type. `run` computes it now;
/// scoring and serving will reuse it.
public struct RunEvaluation {
    public var train: ScoredSamples
    public var valid: ScoredSamples
    public var test: ScoredSamples
    public var threshold: Double
    public var validMetrics: SplitMetrics
    public var testMetrics: SplitMetrics
    public var maskedTest: [Modality: SplitMetrics]
    /// Per anomaly type, how much each modality moved the test logits (nil for one modality).
    public var attribution: ModalityAttribution?
}

extension Evaluator {
    /// Scores the three splits, picks the threshold on validation by `options` — on the validation
    /// samples `thresholdOn` names when given (a semi-supervised run's labelled ones) — and measures.
    public static func evaluate(model: MultimodalModel, builder: BatchBuilder, extra: SampleFeatures?, options: EvaluationOptions,
                                masked: Bool, thresholdOn: [Int]? = nil) throws -> RunEvaluation {
        let dataset = builder.dataset
        let scorer = Scorer(model: model, builder: builder, batchSize: 512, extra: extra)
        let valid = try scorer.score(dataset.indices(.valid)), test = try scorer.score(dataset.indices(.test))
        let train = try scorer.score(dataset.indices(.train))
        var evaluation = evaluate(train: train, valid: valid, test: test, dataset: dataset, options: options, thresholdOn: thresholdOn)
        if masked {
            for m in model.modalities where model.modalities.count > 1 {
                evaluation.maskedTest[m] = evaluation.metrics(try Scorer(model: model, builder: builder, batchSize: 512, extra: extra, masked: [m])
                    .score(test.samples), dataset: dataset, options: options)
            }
        }
        evaluation.attribution = model.modalities.count > 1 ? try ModalityAttribution.measure(model: model, builder: builder, extra: extra, full: test) : nil
        return evaluation
    }

    /// The threshold chosen on validation by `options` and the metrics of scores made by any
    /// model (the neural one above, a classical one): one evaluator for every model type.
    public static func evaluate(train: ScoredSamples, valid: ScoredSamples, test: ScoredSamples, dataset: PreparedDataset,
                                options: EvaluationOptions, thresholdOn: [Int]? = nil) -> RunEvaluation {
        let readable = thresholdOn.map(Set.init)
        let rows = valid.samples.indices.filter { readable?.contains(valid.samples[$0]) ?? true }
        let threshold = chooseThreshold(scores: rows.map { valid.scores[$0] }, labels: rows.map { dataset.labels[valid.samples[$0]] == 1 },
                                        rule: options.thresholdRule)
        return RunEvaluation(train: train, valid: valid, test: test, threshold: threshold,
                             validMetrics: RunEvaluation.metrics(valid, threshold: threshold, dataset: dataset, options: options),
                             testMetrics: RunEvaluation.metrics(test, threshold: threshold, dataset: dataset, options: options),
                             maskedTest: [:], attribution: nil)
    }
}

extension RunEvaluation {
    /// The metrics of `scored` at this evaluation's threshold.
    func metrics(_ scored: ScoredSamples, dataset: PreparedDataset, options: EvaluationOptions) -> SplitMetrics {
        Self.metrics(scored, threshold: threshold, dataset: dataset, options: options)
    }

    static func metrics(_ scored: ScoredSamples, threshold: Double, dataset: PreparedDataset, options: EvaluationOptions) -> SplitMetrics {
        Evaluator.evaluate(scores: scored.scores, labels: scored.samples.map { dataset.labels[$0] == 1 },
                           types: scored.samples.map { dataset.anomalyTypes[$0] }, threshold: threshold, precisionAt: options.precisionAtK)
    }
}
