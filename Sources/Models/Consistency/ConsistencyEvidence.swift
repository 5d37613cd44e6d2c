import Tensor
import NN
import Datasets

/// How surprises reach the evidence MLP, each head scaled with training samples only:
/// `standard` — z-scores with the training mean and standard deviation; `tail` — −log of the
/// share of training samples at least as surprising (rank-based: a heavy tail of very surprising
/// training anomalies does not squeeze the moderate ones together, and every head's scale means
/// the same rarity).
public enum SurpriseScaling: String, CaseIterable, Sendable {
    case standard, tail
}

/// How the evidence meets the fusion's logit.
public enum EvidenceCombination: String, CaseIterable, Sendable, Codable {
    /// Added to the fusion's logit: the consistency part of a score stays separable.
    case add
    /// A small MLP reads the surprises and the fusion's logit and gives the final logit: can learn
    /// "anomalous if the behaviour *or* a check says so", but also learns how far to trust the
    /// fusion's logit from training samples the encoders may have memorised.
    case mlp
    /// Noisy-OR of two probabilities, p = 1 − (1 − p_fusion)(1 − p_evidence): the sample is
    /// anomalous if either part says so, and a confident "normal" from one part cannot talk the
    /// other down (anomaly types show up in different modalities).
    case or
}

/// Turns the batch's consistency surprises (its extra features, a `SurpriseTable`'s rows, scaled, with presence flags) into
/// evidence for the anomaly logit, combined with the fusion's logit by `EvidenceCombination`.
/// A head is skipped for a sample when any modality it needs is masked for that sample.
/// A semi-supervised run appends the pre-trained self-supervised columns after the heads'
/// (`pretrained`, each with the modalities it reads), read the same way.
public final class ConsistencyEvidence: Module {
    public let heads: [ConsistencyHeadSpec]
    /// The surprise columns read, in batch order (a per-event head gives two, see `SurpriseColumn`).
    public let columns: [SurpriseColumn]
    /// The modalities each pre-trained column after `columns` reads (empty: none).
    public let pretrained: [Set<Modality>]
    /// Values per sample the batch carries: the heads' columns, then the pre-trained ones.
    public var width: Int { columns.count + pretrained.count }
    public let mlp: MLP
    public let combination: EvidenceCombination
    /// True (`mlp`): the MLP also reads the fusion's logit and returns the final logit.
    public var combinesLogit: Bool { combination == .mlp }

    public init(heads: [ConsistencyHeadSpec], pretrained: [Set<Modality>] = [], hidden: [Int], dropout: Float, combination: EvidenceCombination = .add,
                generator: inout RandomGenerator) {
        self.heads = heads
        columns = heads.surpriseColumns
        self.pretrained = pretrained
        self.combination = combination
        mlp = MLP(inputSize: 2 * (columns.count + pretrained.count) + (combination == .mlp ? 1 : 0), hiddenSizes: hidden, outputSize: 1, dropout: dropout, generator: &generator)
    }

    public var children: [(String, any Module)] { [("mlp", mlp)] }

    /// True when the evidence is one linear layer added to the fusion's logit (`evidence_hidden`
    /// empty, `evidence_combine` add): it can start as one of its columns (`start(fromColumn:)`).
    public var isLinearAndAdded: Bool { mlp.layers.count == 1 && combination == .add }

    /// Makes the evidence logit column `j`'s value (weight 1, every other weight and the bias 0):
    /// a semi-supervised model starts from the pre-trained score as a prior, which the few
    /// labelled samples then move, instead of learning the columns' weights from them alone.
    public func start(fromColumn j: Int) {
        precondition(isLinearAndAdded && j >= 0 && j < width, "only a linear, added evidence starts from one of its columns")
        let layer = mlp.layers[0]
        layer.weight.pointer.update(repeating: 0, count: layer.weight.count)
        if let bias = layer.bias { bias.pointer.update(repeating: 0, count: bias.count) }
        layer.weight.pointer[j] = 1
    }

    /// `mask` is the model's `[B, 4]` modality mask after ablation and modality dropout.
    public func callAsFunction(_ batch: Batch, mask: Tensor, fusionLogit: Tensor? = nil) -> Tensor {
        guard let surprises = batch.extraFeatures, let present = batch.extraPresent, surprises.shape == [batch.size, width] else {
            preconditionFailure("the model reads \(width) consistency surprises but the batch carries \(batch.extraFeatures?.shape ?? [])")
        }
        return logit(surprises: surprises, present: present, mask: mask, fusionLogit: fusionLogit)
    }

    /// The logit of the noisy-OR of two logits `[B]`: log(e^(softplus(a) + softplus(b)) − 1),
    /// since 1 − p = σ(−a)σ(−b) = e^−(softplus(a) + softplus(b)).
    public static func noisyOr(_ a: Tensor, _ b: Tensor) -> Tensor {
        (a.softplus() + b.softplus()).logExpm1()
    }

    /// The evidence logit `[B]` from surprises and presence flags `[B, H]`; with a modality
    /// mask `[B, 4]`, heads needing a masked modality count as absent.
    /// With `combinesLogit`, `fusionLogit` `[B]` is the other input (nil: zeros, as in the warm start).
    public func logit(surprises: Tensor, present: Tensor, mask modalityMask: Tensor?, fusionLogit: Tensor? = nil) -> Tensor {
        let b = surprises.shape[0], h = width, all = Modality.allCases.count
        precondition(modalityMask.map { $0.shape == [b, all] } ?? true, "the modality mask is [B, \(all)]")
        let mask = modalityMask?.pointer
        let input = Tensor(zeros: [b, 2 * h])
        let x = input.pointer, s = surprises.pointer, p = present.pointer
        let needed = columns.map { heads[$0.head].modalities.map(\.index) } + pretrained.map { $0.map(\.index) }
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
