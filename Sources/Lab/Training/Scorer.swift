import Foundation
import Tensor
import Datasets
import Models

/// Scores of a set of samples, with the fusion's modality weights when it has them.
public struct ScoredSamples {
    public var samples: [Int]
    /// Probabilities in [0, 1].
    public var scores: [Double]
    /// The logits behind `scores` (attribution compares them).
    public var logits: [Double]
    /// `[samples × modalities]` fusion weights, row-major, in `modalities` order.
    public var modalityWeights: [Float]?
    public var modalities: [Modality]
    /// Mean binary cross-entropy of the logits (for early stopping on loss).
    public var loss: Double
    /// Wall seconds per sample spent in the model (forward only).
    public var secondsPerSample: Double
    /// Per view of `Scorer.views`, the logit of each sample under it.
    public var viewLogits: [[Double]] = []
}

/// Runs a model over samples in evaluation mode, without recording gradients.
public struct Scorer {
    public var model: MultimodalModel
    public var builder: BatchBuilder
    public var batchSize: Int
    /// Modalities masked for every sample (scoring an ablated view of a trained model).
    public var masked: Set<Modality> = []
    /// Per-sample features batches carry beside the dataset's (the consistency surprises).
    public var extra: SampleFeatures?
    /// Scores as if no consistency head had judged any sample (attribution of the evidence).
    public var withoutSurprises = false
    /// Views (a modality masked, the evidence withheld) whose logits are computed from each
    /// batch's embeddings beside the full logits (attribution).
    public var views: [MaskedView] = []

    public init(model: MultimodalModel, builder: BatchBuilder, batchSize: Int, extra: SampleFeatures? = nil, masked: Set<Modality> = [],
                withoutSurprises: Bool = false, views: [MaskedView] = []) {
        self.model = model; self.builder = builder; self.batchSize = batchSize; self.extra = extra; self.masked = masked
        self.withoutSurprises = withoutSurprises; self.views = views
    }

    public func score(_ samples: [Int]) throws -> ScoredSamples {
        model.eval()
        defer { model.train(true) }
        var scores: [Double] = [], logits: [Double] = [], weights: [Float] = []
        var hasWeights = true
        var viewLogits = views.map { _ in [Double]() }
        var loss = 0.0, seconds = 0.0
        for start in stride(from: 0, to: samples.count, by: batchSize) {
            var batch = try builder.batch(Array(samples[start..<min(start + batchSize, samples.count)]), extra: extra)
            for m in masked { batch.mask(m) }
            if withoutSurprises, let present = batch.extraPresent { batch.extraPresent = Tensor(zeros: present.shape) }
            let began = DispatchTime.now().uptimeNanoseconds
            let out = withoutGradients { model(batch) }
            if !views.isEmpty {
                let v = withoutGradients { model.viewLogits(out, batch: batch, views: views) }
                for k in views.indices { viewLogits[k].append(contentsOf: (0..<batch.size).map { Double(v.pointer[k * batch.size + $0]) }) }
            }
            seconds += Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
            for r in 0..<batch.size {
                let z = Double(out.logit.pointer[r]), y = Double(batch.labels.pointer[r])
                scores.append(1 / (1 + Foundation.exp(-z)))
                logits.append(z)
                // Stable BCE with logits: max(z,0) − z·y + log(1 + e^−|z|)
                loss += max(z, 0) - z * y + Foundation.log1p(Foundation.exp(-Swift.abs(z)))
            }
            if let w = out.modalityWeights { weights.append(contentsOf: w.scalars) } else { hasWeights = false }
            // A partial last batch's sizes replace the full batches' buffers rather than join them.
            BufferPool.shared.endStep()
        }
        return ScoredSamples(samples: samples, scores: scores, logits: logits, modalityWeights: hasWeights ? weights : nil, modalities: model.modalities,
                             loss: samples.isEmpty ? 0 : loss / Double(samples.count),
                             secondsPerSample: samples.isEmpty ? 0 : seconds / Double(samples.count), viewLogits: viewLogits)
    }
}
