import Tensor

/// Layer normalisation over the last dimension with a learned gain (`weight`) and `bias`.
public final class LayerNorm: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(dimension: Int, eps: Float = 1e-5) {
        weight = Tensor(ones: [dimension], requiresGrad: true)
        bias = Tensor(zeros: [dimension], requiresGrad: true)
        self.eps = eps
    }

    public var parameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }
}
