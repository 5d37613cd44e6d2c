import Tensor
import NN
import Datasets
import Support

/// Behaviour sequences through a pre-LN Transformer encoder, pooled by masked mean, a [CLS]
/// token, or attention with a learned query (which also yields per-event weights).
public final class TransformerSequenceEncoder: ModalityEncoder {
    public enum Pooling: String, CaseIterable, Sendable, Codable { case mean, cls, attention }

    public let embedding: SequenceEmbedding
    public let encoder: TransformerEncoder
    public let pooling: Pooling
    public let cls: Tensor?
    public let attentionPooling: AttentionPooling?
    public let outputSize: Int
    public var modality: Modality { .sequence }

    public init(context: EncoderContext, layers: Int, heads: Int, feedForward: Int, dropout: Float, pooling: Pooling,
                generator: inout RandomGenerator) {
        let d = context.dimension
        embedding = SequenceEmbedding(schema: context.schema, dimension: d, generator: &generator)
        encoder = TransformerEncoder(layerCount: layers, dimension: d, heads: heads, feedForwardSize: feedForward,
                                     dropout: dropout, finalNorm: true, generator: &generator)
        self.pooling = pooling
        cls = pooling == .cls ? Tensor(normal: [1, 1, d], std: 0.02, generator: &generator, requiresGrad: true) : nil
        attentionPooling = pooling == .attention ? AttentionPooling(dimension: d, generator: &generator) : nil
        outputSize = d
    }

    public var parameters: [(String, Tensor)] { cls.map { [("cls", $0)] } ?? [] }
    public var children: [(String, any Module)] {
        [("embedding", embedding), ("encoder", encoder)] + (attentionPooling.map { [("pooling", $0 as any Module)] } ?? [])
    }

    public func callAsFunction(_ batch: Batch) -> EncoderOutput {
        var x = embedding(batch)
        var padding = batch.sequencePadding
        let b = x.shape[0]
        if let cls {
            x = concat([cls.expanded(to: [b, 1, outputSize]), x], axis: 1)
            padding = concat([Tensor(zeros: [b, 1]), padding], axis: 1)
        }
        let h = encoder(x, keyPaddingMask: padding)
        switch pooling {
        case .mean: return EncoderOutput(embedding: maskedMean(h, padding: padding))
        case .cls: return EncoderOutput(embedding: h.slice(axis: 1, 0..<1).reshaped([b, outputSize]))
        case .attention:
            let (pooled, weights) = attentionPooling!(h, padding: padding)
            return EncoderOutput(embedding: pooled, tokenWeights: weights)
        }
    }

    static let definition = EncoderDefinition(
        name: "transformer", modality: .sequence, doc: "Pre-LN Transformer encoder over events.",
        fields: [
            ConfigField("layers", .integer(min: 1, max: 12), default: 2, "Encoder layers."),
            ConfigField("heads", .integer(min: 1, max: 16), default: 4, "Attention heads (must divide model.dimension)."),
            ConfigField("feedforward", .integer(min: 1), default: 128, "Width of each layer's feed-forward block."),
            ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout in attention and feed-forward blocks."),
            ConfigField("pooling", .choice(Pooling.allCases.map(\.rawValue)), default: "mean",
                        "How events become one vector: masked mean, a [CLS] token, or attention (gives per-event weights)."),
        ],
        options: Options.self,
        problem: { o, context in
            context.dimension % o.heads != 0 ? ("heads", "\(o.heads) heads do not divide model.dimension \(context.dimension)") : nil
        },
        build: { o, context, g in
            TransformerSequenceEncoder(context: context, layers: o.layers, heads: o.heads, feedForward: o.feedforward,
                                       dropout: Float(o.dropout), pooling: o.pooling, generator: &g)
        })

    public struct Options: EncoderOptions {
        public var layers: Int
        public var heads: Int
        public var feedforward: Int
        public var dropout: Double
        public var pooling: Pooling
    }
}
