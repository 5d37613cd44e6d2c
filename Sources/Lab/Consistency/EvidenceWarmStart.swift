import Tensor
import NN
import Datasets
import Models

/// Fits the evidence module alone on the training samples' cross-fitted surprises before the
/// whole model trains (stacking's second stage, as a warm start). Without it the evidence
/// starts near zero and the large encoders, which overfit within a few epochs, decide the
/// early-stopped epoch before the surprises are used.
enum EvidenceWarmStart {
    /// Full-batch AdamW on binary cross-entropy (with the trainer's positive weight). Returns
    /// the final loss.
    static func fit(_ evidence: ConsistencyEvidence, surprises: SurpriseTable, labels: [Float], samples: [Int], steps: Int,
                    learningRate: Float, weightDecay: Float, positiveWeight: Float, seed: UInt64) throws -> Float {
        let h = surprises.heads.count, b = samples.count
        guard b > 0, steps > 0 else { return 0 }
        let s = Tensor(zeros: [b, h]), p = Tensor(zeros: [b, h])
        for (r, i) in samples.enumerated() {
            for k in 0..<h {
                s.pointer[r * h + k] = surprises.values[i * h + k]
                p.pointer[r * h + k] = surprises.present[i * h + k]
            }
        }
        let y = Tensor(samples.map { labels[$0] }, shape: [b])
        let parameters = ParameterBuffer(module: evidence)
        let optimizer = try AdamW(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)
        evidence.train(true)
        evidence.reseedRandomness(seed ^ 0xE71D_E7CE)
        var last: Float = 0
        for _ in 0..<steps {
            let loss = binaryCrossEntropyWithLogits(evidence.logit(surprises: s, present: p, mask: nil), y, positiveWeight: positiveWeight)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            last = loss.item
        }
        return last
    }
}
