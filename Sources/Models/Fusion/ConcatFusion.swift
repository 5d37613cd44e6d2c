import Tensor
import NN
import Datasets
import Support

/// The plain baseline: masked embeddings (zeros where missing) and the mask flags,
/// concatenated, through an MLP.
public final class ConcatFusion: FusionModule {
    public let modalities: [Modality]
    public let head: MLP

    public init(modalities: [Modality], dimension: Int, hidden: [Int], dropout: Float, generator: inout RandomGenerator) {
        self.modalities = modalities
        head = MLP(inputSize: modalities.count * (dimension + 1), hiddenSizes: hidden, outputSize: 1, dropout: dropout, generator: &generator)
    }

    public var children: [(String, any Module)] { [("head", head)] }

    public func callAsFunction(_ embeddings: [Tensor], mask: Tensor) -> FusionOutput {
        let b = mask.shape[0]
        let masked = embeddings.enumerated().map { $0.element * mask.slice(axis: 1, $0.offset..<($0.offset + 1)) }
        let fused = concat(masked + [mask], axis: 1)
        return FusionOutput(logit: head(fused).reshaped([b]), fused: concat(masked, axis: 1), modalityWeights: nil)
    }

    static let definition = FusionDefinition(
        name: "concat", doc: "Concatenation of the (masked) embeddings and mask flags, then an MLP.",
        fields: classifierFields,
        options: ClassifierOptions.self,
        build: { o, modalities, d, g in ConcatFusion(modalities: modalities, dimension: d, hidden: o.hidden, dropout: Float(o.dropout), generator: &g) })
}
