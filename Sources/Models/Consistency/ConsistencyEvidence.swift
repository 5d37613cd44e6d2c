import Tensor
import NN
import Datasets

/// Turns the batch's consistency surprises (`Batch.surprises`, standardised, with presence
/// flags) into evidence for the anomaly logit: either added to the fusion's logit (`add`: the
/// consistency part of a score stays separable), or combined with it by a small MLP that also
/// reads the fusion's logit (`mlp`: can learn "anomalous if the behaviour *or* a consistency
/// check says so", which a sum cannot when normal-looking behaviour pulls the logit far down).
/// A head is skipped for a sample when any modality it needs is masked for that sample.
public final class ConsistencyEvidence: Module {
    public let heads: [ConsistencyHeadSpec]
    public let mlp: MLP
    /// True: the MLP also reads the fusion's logit and returns the final logit.
    public let combinesLogit: Bool

    public init(heads: [ConsistencyHeadSpec], hidden: [Int], dropout: Float, combinesLogit: Bool = false, generator: inout RandomGenerator) {
        self.heads = heads
        self.combinesLogit = combinesLogit
        mlp = MLP(inputSize: 2 * heads.count + (combinesLogit ? 1 : 0), hiddenSizes: hidden, outputSize: 1, dropout: dropout, generator: &generator)
    }

    public var children: [(String, any Module)] { [("mlp", mlp)] }

    /// `mask` is the model's `[B, 4]` modality mask after ablation and modality dropout.
    public func callAsFunction(_ batch: Batch, mask: UnsafePointer<Float>, fusionLogit: Tensor? = nil) -> Tensor {
        guard let surprises = batch.surprises, let present = batch.surprisePresent, surprises.shape == [batch.size, heads.count] else {
            preconditionFailure("the model reads \(heads.count) consistency surprises but the batch carries \(batch.surprises?.shape ?? [])")
        }
        return logit(surprises: surprises, present: present, mask: mask, fusionLogit: fusionLogit)
    }

    /// The evidence logit `[B]` from surprises and presence flags `[B, H]`; with a modality
    /// mask `[B, 4]`, heads needing a masked modality count as absent.
    /// With `combinesLogit`, `fusionLogit` `[B]` is the other input (nil: zeros, as in the warm start).
    public func logit(surprises: Tensor, present: Tensor, mask: UnsafePointer<Float>?, fusionLogit: Tensor? = nil) -> Tensor {
        let b = surprises.shape[0], h = heads.count, all = Modality.allCases.count
        let input = Tensor(zeros: [b, 2 * h])
        let x = input.pointer, s = surprises.pointer, p = present.pointer
        let needed = heads.map { $0.modalities.map(\.index) }
        for r in 0..<b {
            for k in 0..<h where p[r * h + k] != 0 && (mask.map { m in needed[k].allSatisfy { m[r * all + $0] != 0 } } ?? true) {
                x[r * 2 * h + k] = s[r * h + k]
                x[r * 2 * h + h + k] = 1
            }
        }
        guard combinesLogit else { return mlp(input).reshaped([b]) }
        let other = fusionLogit?.reshaped([b, 1]) ?? Tensor(zeros: [b, 1])
        return mlp(concat([input, other], axis: 1)).reshaped([b])
    }
}
