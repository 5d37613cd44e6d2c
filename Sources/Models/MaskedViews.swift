import Tensor
import Datasets

/// A view of a scored batch that attribution compares the full logit with: one modality
/// masked for every sample, or the consistency evidence withheld.
public enum MaskedView: Equatable, Sendable {
    case modality(Modality)
    case withoutSurprises
}

extension MultimodalModel {
    /// The logits `[views.count, B]` of `output`'s batch under each view. The encoders do not run
    /// again: a masked modality changes only what the fusion and the evidence see, so they run
    /// once over every view's rows side by side, on the embeddings `output` already holds. With
    /// the encoders most of a forward pass, attribution costs a fraction of a pass, not one per view.
    public func viewLogits(_ output: ModelOutput, batch: Batch, views: [MaskedView]) -> Tensor {
        let b = batch.size, v = views.count, count = modalities.count
        precondition(output.mask.shape == [b, count], "the output is not this batch's")
        guard v > 0, b > 0 else { return Tensor(zeros: [v, b]) }
        let mask = Tensor(zeros: [v * b, count])
        let source = output.mask.pointer, target = mask.pointer
        for (k, view) in views.enumerated() {
            (target + k * b * count).update(from: source, count: b * count)
            if case let .modality(m) = view, let column = modalities.firstIndex(of: m) {
                for r in 0..<b { target[(k * b + r) * count + column] = 0 }
            }
        }
        let embeddings = modalities.map { concat(Array(repeating: output.embeddings[$0]!, count: v), axis: 0) }
        var logit = fusion(embeddings, mask: mask).logit
        if let consistencyEvidence {
            guard let surprises = batch.extraFeatures, let present = batch.extraPresent else {
                preconditionFailure("the model reads consistency surprises but the batch carries none")
            }
            let h = present.shape[1]
            let viewPresent = concat(Array(repeating: present, count: v), axis: 0)
            for (k, view) in views.enumerated() where view == .withoutSurprises {
                (viewPresent.pointer + k * b * h).update(repeating: 0, count: b * h)
            }
            logit = withEvidence(consistencyEvidence, fusionLogit: logit, surprises: concat(Array(repeating: surprises, count: v), axis: 0),
                                 present: viewPresent, mask: maskInModalityOrder(mask)).logit
        }
        return logit.reshaped([v, b])
    }
}
