import Tensor
import NN
import Datasets
import Support

/// A bag of events: the masked mean of event embeddings (order ignored) through a small MLP.
/// The baseline that shows what order and timing add.
public final class MeanSequenceEncoder: ModalityEncoder {
    public let embedding: SequenceEmbedding
    public let mlp: MLP
    public let outputSize: Int
    public var modality: Modality { .sequence }

    public init(context: EncoderContext, hidden: [Int], dropout: Float, generator: inout RandomGenerator) {
        let d = context.dimension
        embedding = SequenceEmbedding(schema: context.schema, dimension: d, positions: false, generator: &generator)
        mlp = MLP(inputSize: d, hiddenSizes: hidden, outputSize: d, dropout: dropout, generator: &generator)
        outputSize = d
    }

    public var children: [(String, any Module)] { [("embedding", embedding), ("mlp", mlp)] }

    public func callAsFunction(_ batch: Batch) -> EncoderOutput {
        EncoderOutput(embedding: mlp(maskedMean(embedding(batch), padding: batch.sequencePadding)))
    }

    static let definition = EncoderDefinition(
        name: "mean", modality: .sequence, doc: "Mean of event embeddings (a bag of events) through an MLP.",
        fields: [
            ConfigField("hidden", .list(.integer(min: 1)), default: [64], "Hidden widths of the MLP."),
            ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout between MLP layers."),
        ],
        options: Options.self,
        build: { o, context, g in MeanSequenceEncoder(context: context, hidden: o.hidden, dropout: Float(o.dropout), generator: &g) })

    public struct Options: EncoderOptions {
        public var hidden: [Int]
        public var dropout: Double
    }
}
