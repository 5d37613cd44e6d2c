import Tensor

/// A lookup table `[count, dim]` (PyTorch layout), initialised N(0, 1) like PyTorch.
/// The row at `paddingIndex` starts at zero and never receives a gradient.
public final class Embedding: Module {
    public let weight: Tensor
    public let paddingIndex: Int?

    public init(count: Int, dimension: Int, paddingIndex: Int? = nil, generator: inout RandomGenerator) {
        weight = Tensor(normal: [count, dimension], generator: &generator, requiresGrad: true)
        if let paddingIndex {
            precondition(paddingIndex >= 0 && paddingIndex < count, "padding index \(paddingIndex) outside \(count) rows")
            (weight.pointer + paddingIndex * dimension).update(repeating: 0, count: dimension)
        }
        self.paddingIndex = paddingIndex
    }

    public var parameters: [(String, Tensor)] { [("weight", weight)] }
    public var count: Int { weight.shape[0] }
    public var dimension: Int { weight.shape[1] }

    public func callAsFunction(_ ids: IndexTensor) -> Tensor { weight.gatherRows(ids, paddingIndex: paddingIndex) }
}
