import Tensor

/// `y = x Wᵀ + b` over the last dimension. Weight `[out, in]` as in PyTorch; initialised
/// uniformly in ±1/√in (PyTorch's default for both weight and bias).
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    /// Set by `quantizeDynamically` for scoring: the forward pass then runs in int8.
    public var quantized: Int8Weights?

    public init(inputSize: Int, outputSize: Int, bias: Bool = true, generator: inout RandomGenerator) {
        let bound = 1 / Float(inputSize).squareRoot()
        weight = Tensor(uniform: [outputSize, inputSize], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        self.bias = bias ? Tensor(uniform: [outputSize], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
    }

    public var parameters: [(String, Tensor)] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }
    public var inputSize: Int { weight.shape[1] }
    public var outputSize: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == inputSize, "Linear(\(inputSize)→\(outputSize)) applied to \(x.shape)")
        if let quantized { return quantized.linear(x, bias: bias) }
        return linear(x, weight: weight, bias: bias)
    }
}
