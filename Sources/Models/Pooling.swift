import Tensor
import NN

/// Mean of `x [B, L, d]` over positions where `padding [B, L]` is 0; an all-padding row gives 0.
public func maskedMean(_ x: Tensor, padding: Tensor) -> Tensor {
    let (b, l) = (x.shape[0], x.shape[1])
    let valid = (1 - padding).detached()
    let counts = Tensor(zeros: [b, 1])
    for r in 0..<b {
        var n: Float = 0
        for k in 0..<l { n += valid.pointer[r * l + k] }
        counts.pointer[r] = 1 / max(n, 1)
    }
    return (x * valid.reshaped([b, l, 1])).sum(axis: 1) * counts
}

/// Attention pooling with a learned query: weights = softmax over valid positions of
/// `score(x)`, output = Σ weights · x. Returns the pooled `[B, d]` and the weights `[B, L]`
/// (exactly 0 at padded positions).
public final class AttentionPooling: Module {
    public let score: Linear

    public init(dimension: Int, generator: inout RandomGenerator) {
        score = Linear(inputSize: dimension, outputSize: 1, generator: &generator)
    }

    public var children: [(String, any Module)] { [("score", score)] }

    public func callAsFunction(_ x: Tensor, padding: Tensor?) -> (pooled: Tensor, weights: Tensor) {
        let (b, l) = (x.shape[0], x.shape[1])
        var scores = score(x).reshaped([b, l])
        if let padding { scores = scores.maskedFill(padding, with: -.infinity) }
        let weights = scores.softmax(axis: 1)
        let pooled = matmul(weights.reshaped([b, 1, l]), x).reshaped([b, x.shape[2]])
        return (pooled, weights)
    }
}
