import Tensor
import NN
import Datasets
import Support

/// The sequence CNN of the source articles: event embeddings → Conv1d → ReLU → max-pool →
/// flatten → dense. Padded positions are zeroed before the convolution.
public final class ConvolutionalSequenceEncoder: ModalityEncoder {
    public let embedding: SequenceEmbedding
    public let convolution: Conv1d
    public let poolSize: Int
    public let dropout: Dropout
    public let dense: Linear
    public let outputSize: Int
    public var modality: Modality { .sequence }

    public init(context: EncoderContext, filters: Int, kernelSize: Int, poolSize: Int, dropout: Float, generator: inout RandomGenerator) {
        let d = context.dimension, length = context.schema.sequenceLength
        embedding = SequenceEmbedding(schema: context.schema, dimension: d, generator: &generator)
        convolution = Conv1d(inputChannels: d, outputChannels: filters, kernelSize: kernelSize, padding: kernelSize / 2, generator: &generator)
        self.poolSize = poolSize
        self.dropout = Dropout(probability: dropout, generator: &generator)
        let convolved = length + 2 * (kernelSize / 2) - kernelSize + 1
        dense = Linear(inputSize: filters * max(convolved / poolSize, 1), outputSize: d, generator: &generator)
        outputSize = d
    }

    public var children: [(String, any Module)] {
        [("embedding", embedding), ("convolution", convolution), ("dropout", dropout), ("dense", dense)]
    }

    public func callAsFunction(_ batch: Batch) -> EncoderOutput {
        let x = embedding(batch)
        let (b, l) = (x.shape[0], x.shape[1])
        let valid = (1 - batch.sequencePadding).detached().reshaped([b, l, 1])
        let h = convolution((x * valid).transposed(1, 2), relu: true)        // [B, F, L']
        let pooled = h.unsqueezed(2).maxPool2d(kernel: (1, min(poolSize, h.shape[2])))  // [B, F, 1, L'/p]
        return EncoderOutput(embedding: dense(dropout(pooled.flattened(from: 1))))
    }

    static let definition = EncoderDefinition(
        name: "cnn", modality: .sequence, doc: "Conv1d + max-pool + dense, as in the source articles.",
        fields: [
            ConfigField("filters", .integer(min: 1), default: 64, "Convolution filters."),
            ConfigField("kernel_size", .integer(min: 1, max: 15), default: 3, "Convolution width in events."),
            ConfigField("pool_size", .integer(min: 1), default: 2, "Max-pool window over time."),
            ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout before the dense layer."),
        ],
        options: Options.self,
        build: { o, context, g in
            ConvolutionalSequenceEncoder(context: context, filters: o.filters, kernelSize: o.kernelSize, poolSize: o.poolSize,
                                         dropout: Float(o.dropout), generator: &g)
        })

    public struct Options: EncoderOptions {
        public var filters: Int
        public var kernelSize: Int
        public var poolSize: Int
        public var dropout: Double
    }
}
