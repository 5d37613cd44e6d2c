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
        let b = batch.size, h = heads.count, all = Modality.allCases.count
        guard let surprises = batch.surprises, let present = batch.surprisePresent, surprises.shape == [b, h] else {
            preconditionFailure("the model reads \(h) consistency surprises but the batch carries \(batch.surprises?.shape ?? [])")
        }
        let input = Tensor(zeros: [b, 2 * h])
        let x = input.pointer, s = surprises.pointer, p = present.pointer
        let needed = heads.map { $0.modalities.map(\.index) }
        for r in 0..<b {
            for k in 0..<h where p[r * h + k] != 0 && needed[k].allSatisfy({ mask[r * all + $0] != 0 }) {
                x[r * 2 * h + k] = s[r * h + k]
                x[r * 2 * h + h + k] = 1
            }
        }
        return mlp(input).reshaped([b])
    }
}
