import Tensor
import NN
import Datasets
import Support

/// A classifier per modality; the logit is the mean of the present modalities' logits.
public final class LateFusion: FusionModule {
    public let modalities: [Modality]
    public let heads: [MLP]

    public init(modalities: [Modality], dimension: Int, hidden: [Int], dropout: Float, generator: inout RandomGenerator) {
        self.modalities = modalities
        heads = modalities.map { _ in classifierHead(dimension: dimension, hidden: hidden, dropout: dropout, generator: &generator) }
    }

    public var children: [(String, any Module)] { zip(modalities, heads).map { ("heads.\($0.0.rawValue)", $0.1 as any Module) } }

    public func callAsFunction(_ embeddings: [Tensor], mask: Tensor) -> FusionOutput {
        let b = mask.shape[0]
        let logits = concat(zip(heads, embeddings).map { $0.0($0.1) }, axis: 1)                // [B, M]
        let weights = (mask / (mask.sum(axis: 1, keepDims: true) + 1e-9)).detached()
        let logit = (logits * weights).sum(axis: 1)
        let fused = stack(embeddings, axis: 1).mean(axis: 1)
        return FusionOutput(logit: logit.reshaped([b]), fused: fused, modalityWeights: weights)
    }

    static let definition = FusionDefinition(
        name: "late", doc: "A head per modality; logits averaged over present modalities.",
        fields: classifierFields,
        options: ClassifierOptions.self,
        build: { o, modalities, d, g in LateFusion(modalities: modalities, dimension: d, hidden: o.hidden, dropout: Float(o.dropout), generator: &g) })
}
