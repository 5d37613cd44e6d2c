import Tensor
import NN
import Datasets

/// Turns the batch's consistency surprises (`Batch.surprises`, standardised, with presence
/// flags) into an additive contribution to the anomaly logit. Additive on purpose: the part of
/// a score that comes from failed consistency checks stays separable and explainable.
/// A head is skipped for a sample when any modality it needs is masked for that sample.
public final class ConsistencyEvidence: Module {
    public let heads: [ConsistencyHeadSpec]
    public let mlp: MLP

    public init(heads: [ConsistencyHeadSpec], hidden: [Int], dropout: Float, generator: inout RandomGenerator) {
        self.heads = heads
        mlp = MLP(inputSize: 2 * heads.count, hiddenSizes: hidden, outputSize: 1, dropout: dropout, generator: &generator)
    }

    public var children: [(String, any Module)] { [("mlp", mlp)] }

    /// `mask` is the model's `[B, 4]` modality mask after ablation and modality dropout.
    public func callAsFunction(_ batch: Batch, mask: UnsafePointer<Float>) -> Tensor {
        guard let surprises = batch.surprises, let present = batch.surprisePresent, surprises.shape == [batch.size, heads.count] else {
            preconditionFailure("the model reads \(heads.count) consistency surprises but the batch carries \(batch.surprises?.shape ?? [])")
        }
        return logit(surprises: surprises, present: present, mask: mask)
    }

    /// The evidence logit `[B]` from surprises and presence flags `[B, H]`; with a modality
    /// mask `[B, 4]`, heads needing a masked modality count as absent.
    public func logit(surprises: Tensor, present: Tensor, mask: UnsafePointer<Float>?) -> Tensor {
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
        return mlp(input).reshaped([b])
    }
}
