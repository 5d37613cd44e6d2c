import Tensor

/// 2-D convolution, weight `[out, in, kh, kw]`; PyTorch's default init (uniform ±1/√fan_in).
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    /// Set by `quantizeDynamically` for scoring: the forward pass then runs in int8.
    public var quantized: Int8Weights?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), bias: Bool = true, generator: inout RandomGenerator) {
        let fanIn = inputChannels * kernelSize.0 * kernelSize.1
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Tensor(uniform: [outputChannels, inputChannels, kernelSize.0, kernelSize.1], low: -bound, high: bound,
                        generator: &generator, requiresGrad: true)
        self.bias = bias ? Tensor(uniform: [outputChannels], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
    }

    public convenience init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            bias: Bool = true, generator: inout RandomGenerator) {
        self.init(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: (kernelSize, kernelSize),
                  stride: (stride, stride), padding: (padding, padding), bias: bias, generator: &generator)
    }

    public var parameters: [(String, Tensor)] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }

    public func callAsFunction(_ x: Tensor) -> Tensor { self(x, relu: false) }

    /// The convolution followed by ReLU, fused (same values as `self(x).relu()`, one pass less).
    public func callAsFunction(_ x: Tensor, relu: Bool) -> Tensor {
        if let quantized {
            return quantized.conv2d(x, bias: bias, kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding, relu: relu)
        }
        return conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, relu: relu)
    }

    /// `self(x, relu: true).maxPool2d(kernel: (2, 2))`, fused when not recording gradients.
    public func reluMaxPool2x2(_ x: Tensor) -> Tensor {
        if let quantized {
            return quantized.conv2d(x, bias: bias, kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding,
                                    relu: true, pool2x2: true)
        }
        return conv2dReLUMaxPool2x2(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// The output's height and width for an input of `height` × `width`.
    public func outputSize(height: Int, width: Int) -> (h: Int, w: Int) {
        ConvGeometry(kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding).outputSize(height: height, width: width)
    }
}

/// 1-D convolution over `[N, C, L]`, weight `[out, in, k]`.
public final class Conv1d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    /// Set by `quantizeDynamically` for scoring: the forward pass then runs in int8.
    public var quantized: Int8Weights?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: inout RandomGenerator) {
        let bound = 1 / Float(inputChannels * kernelSize).squareRoot()
        weight = Tensor(uniform: [outputChannels, inputChannels, kernelSize], low: -bound, high: bound,
                        generator: &generator, requiresGrad: true)
        self.bias = bias ? Tensor(uniform: [outputChannels], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
    }

    public var parameters: [(String, Tensor)] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }

    public func callAsFunction(_ x: Tensor) -> Tensor { self(x, relu: false) }

    /// The convolution followed by ReLU, fused (same values as `self(x).relu()`).
    public func callAsFunction(_ x: Tensor, relu: Bool) -> Tensor {
        if let quantized {
            return quantized.conv2d(x.unsqueezed(2), bias: bias, kernel: (1, weight.shape[2]), stride: (1, stride), padding: (0, padding),
                                    relu: relu).squeezed(2)
        }
        return conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding, relu: relu)
    }
}

/// Max pooling over `[N, C, H, W]`.
public final class MaxPool2d: Module {
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.maxPool2d(kernel: kernelSize, stride: stride, padding: padding) }
}
