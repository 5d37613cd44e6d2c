import Tensor
import Datasets
import Models

/// Attribution's views of a batch: each modality masked in turn, and the consistency evidence
/// withheld. The rows of every view go through the model side by side — a request of one
/// sample costs one more forward pass of a few rows, not one more pass per modality, which at
/// small batches (serving) costs several times as much as the arithmetic.
enum MaskedView: Equatable {
    case modality(Modality)
    case withoutSurprises
}

extension RunScorer {
    /// Rows up to which the views of few samples share one forward pass.
    static let packedRows = 64

    /// The views `attributionColumns` compares the full logits with, in its order.
    var attributionViews: [MaskedView] {
        (model.modalities.count > 1 ? model.modalities.map { .modality($0) } : []) + (readsSurprises ? [.withoutSurprises] : [])
    }

    /// Per view, the logit of each sample of `builder` with that view applied. Rows are
    /// (view, sample) pairs in view-major order, cut into forward passes of
    /// `max(samples, packedRows)` rows (at most `batchSize`): few samples share one pass across
    /// views; many get a pass per view, which masks one modality for all its rows and so skips
    /// that encoder. No pass is larger than `packedRows` or the full view's, which bounds the
    /// memory a server's tensor pool keeps.
    func maskedLogits(_ views: [MaskedView], builder: BatchBuilder, extra: SampleFeatures?) throws -> [[Double]] {
        let n = builder.dataset.sampleCount
        guard n > 0, !views.isEmpty else { return views.map { _ in [] } }
        let rows = views.count * n, perPass = min(max(n, Self.packedRows), Self.batchSize)
        var logits = [Double](repeating: 0, count: rows)
        model.eval()
        for start in stride(from: 0, to: rows, by: perPass) {
            let end = min(start + perPass, rows)
            var batch = try builder.batch((start..<end).map { $0 % n }, extra: extra)
            let modalities = Modality.allCases.count
            let mask = batch.modalityMask.copy()
            let present = batch.extraPresent?.copy()
            for row in start..<end {
                let r = row - start
                switch views[row / n] {
                case let .modality(m): mask.pointer[r * modalities + m.index] = 0
                case .withoutSurprises:
                    if let p = present { let w = p.shape[1]; (p.pointer + r * w).update(repeating: 0, count: w) }
                }
            }
            batch.modalityMask = mask
            batch.extraPresent = present
            let out = withoutGradients { model(batch) }
            for r in 0..<(end - start) { logits[start + r] = Double(out.logit.pointer[r]) }
        }
        return views.indices.map { v in Array(logits[(v * n)..<((v + 1) * n)]) }
    }
}
