import Tensor
import NN
import Datasets
import Support

/// Per-modality sigmoid gates, computed from each modality's own embedding before anything is
/// mixed, scale the projected embeddings, which are summed and classified. The normalised gates
/// are modality weights that mean something: nothing else has been mixed in yet.
public final class GatedFusion: FusionModule {
    public let modalities: [Modality]
    public let projections: [Linear]
    public let gates: [Linear]
    public let head: MLP

    public init(modalities: [Modality], dimension: Int, hidden: [Int], dropout: Float, generator: inout RandomGenerator) {
        self.modalities = modalities
        projections = modalities.map { _ in Linear(inputSize: dimension, outputSize: dimension, generator: &generator) }
        gates = modalities.map { _ in Linear(inputSize: dimension, outputSize: 1, generator: &generator) }
        head = classifierHead(dimension: dimension, hidden: hidden, dropout: dropout, generator: &generator)
    }

    public var children: [(String, any Module)] {
        zip(modalities, projections).map { ("projections.\($0.0.rawValue)", $0.1 as any Module) }
            + zip(modalities, gates).map { ("gates.\($0.0.rawValue)", $0.1 as any Module) } + [("head", head)]
    }

    public var weightsAreAttribution: Bool { true }

    public func callAsFunction(_ embeddings: [Tensor], mask: Tensor) -> FusionOutput {
        let b = mask.shape[0]
        let gateValues = concat(zip(gates, embeddings).map { $0.0($0.1).sigmoid() }, axis: 1) * mask    // [B, M]
        var fused: Tensor?
        for (k, (projection, e)) in zip(projections, embeddings).enumerated() {
            let term = projection(e) * gateValues.slice(axis: 1, k..<(k + 1))
            fused = fused.map { $0 + term } ?? term
        }
        let weights = (gateValues / (gateValues.sum(axis: 1, keepDims: true) + 1e-9)).detached()
        return FusionOutput(logit: head(fused!).reshaped([b]), fused: fused!, modalityWeights: weights)
    }

    static let definition = FusionDefinition(
        name: "gated", doc: "Per-modality sigmoid gates before summation.",
        fields: classifierFields,
        options: ClassifierOptions.self,
        build: { o, modalities, d, g in GatedFusion(modalities: modalities, dimension: d, hidden: o.hidden, dropout: Float(o.dropout), generator: &g) })
}
