import Tensor
import NN
import Datasets
import Support

/// Dynamic attention over modality tokens: each embedding is projected and given a learned
/// modality-type embedding; the tokens attend to each other (pre-LN residual self-attention,
/// masked modalities excluded as keys); a learned query — optionally conditioned on the
/// tokens — pools them into one vector with per-sample modality weights; an MLP gives the logit.
///
/// The pooling weights are read after the tokens have been mixed by self-attention, so each
/// token carries information from every modality: they say where the pooling looked, not which
/// modality caused the score.
public final class AttentionFusion: FusionModule {
    public let modalities: [Modality]
    public let projections: [Linear]
    public let typeEmbedding: Tensor
    public let norm: LayerNorm
    public let attention: MultiHeadAttention
    public let query: Tensor
    public let key: Linear
    public let queryConditioning: Linear?
    public let head: MLP
    let dimension: Int

    public init(modalities: [Modality], dimension: Int, heads: Int, conditionedQuery: Bool, hidden: [Int], dropout: Float,
                generator: inout RandomGenerator) {
        self.modalities = modalities
        projections = modalities.map { _ in Linear(inputSize: dimension, outputSize: dimension, generator: &generator) }
        typeEmbedding = Tensor(normal: [modalities.count, dimension], std: 0.02, generator: &generator, requiresGrad: true)
        norm = LayerNorm(dimension: dimension)
        attention = MultiHeadAttention(dimension: dimension, heads: heads, dropout: dropout, generator: &generator)
        query = Tensor(normal: [dimension, 1], std: 0.02, generator: &generator, requiresGrad: true)
        key = Linear(inputSize: dimension, outputSize: dimension, generator: &generator)
        queryConditioning = conditionedQuery ? Linear(inputSize: dimension, outputSize: dimension, generator: &generator) : nil
        head = classifierHead(dimension: dimension, hidden: hidden, dropout: dropout, generator: &generator)
        self.dimension = dimension
    }

    public var parameters: [(String, Tensor)] { [("type_embedding", typeEmbedding), ("pool_query", query)] }
    public var children: [(String, any Module)] {
        zip(modalities, projections).map { ("projections.\($0.0.rawValue)", $0.1 as any Module) }
            + [("norm", norm), ("attention", attention), ("pool_key", key)]
            + (queryConditioning.map { [("query_conditioning", $0 as any Module)] } ?? []) + [("head", head)]
    }

    public func callAsFunction(_ embeddings: [Tensor], mask: Tensor) -> FusionOutput {
        let b = mask.shape[0], m = modalities.count, d = dimension
        let tokens = stack(zip(projections, embeddings).map { $0.0($0.1) }, axis: 1) + typeEmbedding   // [B, M, d]
        let padding = (1 - mask).detached()
        let mixed = tokens + attention(norm(tokens), keyPaddingMask: padding)
        let keys = key(mixed)                                                                      // [B, M, d]
        var scores: Tensor
        if let queryConditioning {
            // Query = learned vector + a projection of the mean of the present tokens.
            let context = queryConditioning(maskedMean(mixed, padding: padding))                  // [B, d]
            let q = context + query.reshaped([1, d])
            scores = matmul(keys, q.reshaped([b, d, 1])).reshaped([b, m])
        } else {
            scores = matmul(keys, query).reshaped([b, m])
        }
        scores = (scores * (1 / Float(d).squareRoot())).maskedFill(padding, with: -.infinity)
        let weights = scores.softmax(axis: 1)                                                      // exactly 0 where masked
        let pooled = matmul(weights.reshaped([b, 1, m]), mixed).reshaped([b, d])
        return FusionOutput(logit: head(pooled).reshaped([b]), fused: pooled, modalityWeights: weights)
    }

    static let definition = FusionDefinition(
        name: "attention", doc: "Dynamic attention: modality tokens, self-attention across them, attention pooling with a learned query.",
        fields: [
            ConfigField("heads", .integer(min: 1, max: 16), default: 4, "Heads of the self-attention across modality tokens."),
            ConfigField("conditioned_query", .bool, default: false, "Condition the pooling query on the mean of the tokens."),
        ] + classifierFields,
        options: Options.self,
        problem: { o, d in d % o.heads != 0 ? ("heads", "\(o.heads) heads do not divide model.dimension \(d)") : nil },
        build: { o, modalities, d, g in
            AttentionFusion(modalities: modalities, dimension: d, heads: o.heads, conditionedQuery: o.conditionedQuery,
                            hidden: o.hidden, dropout: Float(o.dropout), generator: &g)
        })

    public struct Options: FusionOptions {
        public var heads: Int
        public var conditionedQuery: Bool
        public var hidden: [Int]
        public var dropout: Double
    }
}
