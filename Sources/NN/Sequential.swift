import Tensor

/// The activation functions layers can be configured with.
public enum Activation: String, Sendable, CaseIterable {
    case relu, gelu, tanh, sigmoid, identity

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: x.relu()
        case .gelu: x.gelu()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .identity: x
        }
    }
}

/// A layer that maps one tensor to one tensor, so it can sit in a `Sequential`.
public protocol UnaryLayer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}

extension Linear: UnaryLayer {}
extension LayerNorm: UnaryLayer {}
extension Dropout: UnaryLayer {}
extension Conv2d: UnaryLayer {}
extension Conv1d: UnaryLayer {}
extension MaxPool2d: UnaryLayer {}

/// An activation as a layer (no parameters).
public final class ActivationLayer: UnaryLayer {
    public let activation: Activation
    public init(_ activation: Activation) { self.activation = activation }
    public func callAsFunction(_ x: Tensor) -> Tensor { activation(x) }
}

/// Layers applied in order; children are named `0`, `1`, … like PyTorch's nn.Sequential.
public final class Sequential: UnaryLayer {
    public let layers: [any UnaryLayer]
    public init(_ layers: [any UnaryLayer]) { self.layers = layers }
    public var children: [(String, any Module)] { layers.enumerated().map { ("\($0.offset)", $0.element) } }
    public func callAsFunction(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }
}

/// Linear → activation → dropout for each hidden width, then a final Linear.
public final class MLP: UnaryLayer {
    public let layers: [Linear]
    public let activation: Activation
    public let dropouts: [Dropout]

    public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu,
                dropout: Float = 0, generator: inout RandomGenerator) {
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        var layers: [Linear] = []
        var dropouts: [Dropout] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(inputSize: sizes[i], outputSize: sizes[i + 1], generator: &generator))
            if i < sizes.count - 2 { dropouts.append(Dropout(probability: dropout, generator: &generator)) }
        }
        self.layers = layers
        self.dropouts = dropouts
        self.activation = activation
    }

    public var children: [(String, any Module)] { indexedChildren("layers", layers) + indexedChildren("dropouts", dropouts) }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            if i < dropouts.count { h = dropouts[i](activation(h)) }
        }
        return h
    }
}
