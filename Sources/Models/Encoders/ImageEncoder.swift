import Tensor
import NN
import Datasets
import Support

/// A small CNN over product images: per stage a 3×3 convolution (+ an optional residual
/// block) and ReLU, max-pooling between stages, then global average pooling and a linear
/// layer to d. Default channels 3→16→32→64, as the reference model.
public final class ImageEncoder: ModalityEncoder {
    public let stages: [Conv2d]
    public let residualBlocks: [ResidualBlock]
    public let projection: Linear
    public let outputSize: Int
    public var modality: Modality { .image }

    /// conv → ReLU → conv, added to its input, then ReLU.
    public final class ResidualBlock: Module {
        public let first: Conv2d, second: Conv2d
        init(channels: Int, generator: inout RandomGenerator) {
            first = Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1, generator: &generator)
            second = Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1, generator: &generator)
        }
        public var children: [(String, any Module)] { [("conv1", first), ("conv2", second)] }
        func callAsFunction(_ x: Tensor) -> Tensor { (x + second(first(x, relu: true))).relu() }
    }

    public init(dimension: Int, channels: [Int], residual: Bool, generator: inout RandomGenerator) {
        var input = 3
        var stages: [Conv2d] = [], blocks: [ResidualBlock] = []
        for c in channels {
            stages.append(Conv2d(inputChannels: input, outputChannels: c, kernelSize: 3, padding: 1, generator: &generator))
            if residual { blocks.append(ResidualBlock(channels: c, generator: &generator)) }
            input = c
        }
        self.stages = stages
        residualBlocks = blocks
        projection = Linear(inputSize: input, outputSize: dimension, generator: &generator)
        outputSize = dimension
    }

    public var children: [(String, any Module)] {
        indexedChildren("stages", stages) + indexedChildren("residual", residualBlocks) + [("projection", projection)]
    }

    public func callAsFunction(_ batch: Batch) -> EncoderOutput {
        guard var x = batch.images else { preconditionFailure("batch has no images") }
        for (k, conv) in stages.enumerated() {
            let pools = k < stages.count - 1 && conv.outputSize(height: x.shape[2], width: x.shape[3]).h >= 2
            if pools && residualBlocks.isEmpty { x = conv.reluMaxPool2x2(x); continue }
            x = conv(x, relu: true)
            if !residualBlocks.isEmpty { x = residualBlocks[k](x) }
            if pools { x = x.maxPool2d(kernel: (2, 2)) }
        }
        return EncoderOutput(embedding: projection(x.globalAvgPool2d()))
    }

    static let definition = EncoderDefinition(
        name: "cnn", modality: .image, doc: "A small CNN: 3×3 convolutions, ReLU, max-pooling, global average pool, linear.",
        fields: [
            ConfigField("channels", .list(.integer(min: 1)), default: [16, 32, 64], "Output channels of each convolution stage."),
            ConfigField("residual", .bool, default: false, "Add a residual block after each stage."),
        ],
        options: Options.self,
        build: { o, context, g in ImageEncoder(dimension: context.dimension, channels: o.channels, residual: o.residual, generator: &g) })

    public struct Options: EncoderOptions {
        public var channels: [Int]
        public var residual: Bool
    }
}
