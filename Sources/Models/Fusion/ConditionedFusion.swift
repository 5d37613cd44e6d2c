import Tensor
import NN
import Datasets
import Support

/// Each modality judged in light of the others: every token is FiLM-modulated by a summary of
/// the *other* present modalities (`t ⊙ (1 + γ(c)) + β(c)`, with `c` the mean of their value
/// projections), so "this picture, given the declared category and brand" is one feature
/// rather than two unrelated ones. Sigmoid gates computed from each modality's own embedding —
/// before anything is mixed — weight the pooling, so they are attribution, not a readout of
/// mixed tokens.
public final class ConditionedFusion: FusionModule {
    public let modalities: [Modality]
    public let projections: [Linear]
    public let gates: [Linear]
    public let typeEmbedding: Tensor
    public let values: Linear
    public let film: Linear
    public let norm: LayerNorm
    public let head: MLP
    let dimension: Int

    public init(modalities: [Modality], dimension: Int, hidden: [Int], dropout: Float, generator: inout RandomGenerator) {
        self.modalities = modalities
        projections = modalities.map { _ in Linear(inputSize: dimension, outputSize: dimension, generator: &generator) }
        gates = modalities.map { _ in Linear(inputSize: dimension, outputSize: 1, generator: &generator) }
        typeEmbedding = Tensor(normal: [modalities.count, dimension], std: 0.02, generator: &generator, requiresGrad: true)
        values = Linear(inputSize: dimension, outputSize: dimension, generator: &generator)
        film = Linear(inputSize: dimension, outputSize: 2 * dimension, generator: &generator)
        norm = LayerNorm(dimension: dimension)
        head = classifierHead(dimension: dimension, hidden: hidden, dropout: dropout, generator: &generator)
        self.dimension = dimension
    }

    public var parameters: [(String, Tensor)] { [("type_embedding", typeEmbedding)] }
    public var children: [(String, any Module)] {
        zip(modalities, projections).map { ("projections.\($0.0.rawValue)", $0.1 as any Module) }
            + zip(modalities, gates).map { ("gates.\($0.0.rawValue)", $0.1 as any Module) }
            + [("values", values), ("film", film), ("norm", norm), ("head", head)]
    }

    public var weightsAreAttribution: Bool { true }

    public func callAsFunction(_ embeddings: [Tensor], mask: Tensor) -> FusionOutput {
        let b = mask.shape[0], m = modalities.count, d = dimension
        let gateValues = concat(zip(gates, embeddings).map { $0.0($0.1).sigmoid() }, axis: 1) * mask       // [B, M], before mixing
        let tokens = stack(zip(projections, embeddings).map { $0.0($0.1) }, axis: 1) + typeEmbedding      // [B, M, d]
        let present = mask.reshaped([b, m, 1])
        let v = values(norm(tokens)) * present                                                              // masked tokens add nothing
        let others = v.sum(axis: 1, keepDims: true) - v                                                     // [B, M, d]
        let count = (mask.sum(axis: 1, keepDims: true) - mask).clamped(min: 1, max: Float(m)).reshaped([b, m, 1])
        let context = others / count.detached()
        let (gamma, beta) = { (p: [Tensor]) in (p[0], p[1]) }(film(context).split(axis: 2, sizes: [d, d]))
        let conditioned = tokens * (gamma + 1) + beta                                                        // [B, M, d]
        let weights = gateValues / (gateValues.sum(axis: 1, keepDims: true) + 1e-6)                          // [B, M], 0 where masked
        let pooled = matmul(weights.reshaped([b, 1, m]), conditioned).reshaped([b, d])
        return FusionOutput(logit: head(pooled).reshaped([b]), fused: pooled, modalityWeights: weights.detached())
    }

    static let definition = FusionDefinition(
        name: "conditioned",
        doc: "Each modality token FiLM-modulated by the other present modalities, pooled by gates computed before mixing (attribution).",
        fields: classifierFields,
        options: ClassifierOptions.self,
        build: { o, modalities, d, g in
            ConditionedFusion(modalities: modalities, dimension: d, hidden: o.hidden, dropout: Float(o.dropout), generator: &g)
        })
}
