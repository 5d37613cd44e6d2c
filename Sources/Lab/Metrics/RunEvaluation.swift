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
    /// Scores the three splits, picks the threshold on validation by `options`, and measures.
    public static func evaluate(model: MultimodalModel, builder: BatchBuilder, extra: SampleFeatures?, options: EvaluationOptions,
                                masked: Bool) throws -> RunEvaluation {
        let dataset = builder.dataset
        let scorer = Scorer(model: model, builder: builder, batchSize: 512, extra: extra)
        let valid = try scorer.score(dataset.indices(.valid)), test = try scorer.score(dataset.indices(.test))
        let train = try scorer.score(dataset.indices(.train))
        let threshold = chooseThreshold(scores: valid.scores, labels: valid.samples.map { dataset.labels[$0] == 1 }, rule: options.thresholdRule)
        func metrics(_ s: ScoredSamples) -> SplitMetrics {
            evaluate(scores: s.scores, labels: s.samples.map { dataset.labels[$0] == 1 }, types: s.samples.map { dataset.anomalyTypes[$0] },
                     threshold: threshold, precisionAt: options.precisionAtK)
        }
        var maskedTest: [Modality: SplitMetrics] = [:]
        if masked {
            for m in model.modalities where model.modalities.count > 1 {
                maskedTest[m] = metrics(try Scorer(model: model, builder: builder, batchSize: 512, extra: extra, masked: [m]).score(test.samples))
            }
        }
        let attribution = model.modalities.count > 1 ? try ModalityAttribution.measure(model: model, builder: builder, extra: extra, full: test) : nil
        return RunEvaluation(train: train, valid: valid, test: test, threshold: threshold, validMetrics: metrics(valid),
                             testMetrics: metrics(test), maskedTest: maskedTest, attribution: attribution)
    }
}
