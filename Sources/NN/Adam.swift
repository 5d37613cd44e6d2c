import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam with L2 weight decay added to the gradient ("coupled"), as PyTorch's
/// `torch.optim.Adam(weight_decay=)`. Prefer `AdamW` for decay: here the decay is scaled
/// by the adaptive step like any gradient. Decay applies to the buffer's decay range only.
public final class Adam: Optimizer {
    public let parameters: ParameterBuffer
    public var learningRate: Float
    public let hyperparameters: AdamHyperparameters
    public var stepCount: Int { kernel.stepCount }
    private var kernel: AdamKernel

    public init(parameters: ParameterBuffer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) throws {
        hyperparameters = try AdamHyperparameters(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps,
                                                  weightDecay: weightDecay)
        self.parameters = parameters
        self.learningRate = learningRate
        kernel = AdamKernel(parameters: parameters)
    }

    public func step() { kernel.step(learningRate: learningRate, hyperparameters, decoupled: false) }
    public func stateTensors() -> [(String, Tensor)] { kernel.state.export(stepCount: stepCount) }
    public func loadState(_ tensors: [String: Tensor]) throws { kernel.stepCount = try kernel.state.load(tensors) }
}

/// AdamW (Loshchilov & Hutter), as PyTorch's `torch.optim.AdamW`: the decay shrinks the
/// weights directly, `p ← p·(1 − lr·λ)`, before the Adam update, and only for the buffer's
/// decay range (matrices and embeddings; never biases or norm gains).
public final class AdamW: Optimizer {
    public let parameters: ParameterBuffer
    public var learningRate: Float
    public let hyperparameters: AdamHyperparameters
    public var stepCount: Int { kernel.stepCount }
    private var kernel: AdamKernel

    public init(parameters: ParameterBuffer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 1e-2) throws {
        hyperparameters = try AdamHyperparameters(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps,
                                                  weightDecay: weightDecay)
        self.parameters = parameters
        self.learningRate = learningRate
        kernel = AdamKernel(parameters: parameters)
    }

    public func step() { kernel.step(learningRate: learningRate, hyperparameters, decoupled: true) }
    public func stateTensors() -> [(String, Tensor)] { kernel.state.export(stepCount: stepCount) }
    public func loadState(_ tensors: [String: Tensor]) throws { kernel.stepCount = try kernel.state.load(tensors) }
}

public struct AdamHyperparameters: Sendable, Equatable {
    public let beta1: Float
    public let beta2: Float
    public let eps: Float
    public let weightDecay: Float

    init(learningRate: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float) throws {
        try OptimizerError.check("learningRate", learningRate, "≥ 0", learningRate >= 0)
        try OptimizerError.check("beta1", beta1, "in [0, 1)", beta1 >= 0 && beta1 < 1)
        try OptimizerError.check("beta2", beta2, "in [0, 1)", beta2 >= 0 && beta2 < 1)
        try OptimizerError.check("eps", eps, "≥ 0", eps >= 0)
        try OptimizerError.check("weightDecay", weightDecay, "≥ 0", weightDecay >= 0)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }
}

/// The Adam update shared by Adam and AdamW, with PyTorch's bias correction:
///
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
struct AdamKernel {
    let parameters: ParameterBuffer
    let state: OptimizerState
    var stepCount = 0

    init(parameters: ParameterBuffer) {
        self.parameters = parameters
        state = OptimizerState(parameters: parameters, slotNames: ["exp_avg", "exp_avg_sq"])
    }

    mutating func step(learningRate: Float, _ h: AdamHyperparameters, decoupled: Bool) {
        stepCount += 1
        let t = Double(stepCount)
        // Corrections in Double as PyTorch computes them (Python floats).
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(h.beta1), t)))
        let correction2 = Float((1 - pow(Double(h.beta2), t)).squareRoot())
        let decayFactor = decoupled ? 1 - learningRate * h.weightDecay : 1
        let l2 = decoupled ? 0 : h.weightDecay
        update(parameters.decayRange, h, stepSize: stepSize, correction2: correction2, decayFactor: decayFactor, l2: l2)
        update(parameters.noDecayRange, h, stepSize: stepSize, correction2: correction2, decayFactor: 1, l2: 0)
    }

    private func update(_ range: Range<Int>, _ h: AdamHyperparameters, stepSize: Float, correction2: Float,
                        decayFactor: Float, l2: Float) {
        let p = parameters.values.pointer, g = parameters.gradients.pointer
        let m = state.storage("exp_avg").pointer, v = state.storage("exp_avg_sq").pointer
        let b1 = h.beta1, b2 = h.beta2, eps = h.eps
        forEachChunk(of: range) { s, e in
            for i in s..<e {
                let grad = g[i] + l2 * p[i]
                let mi = b1 * m[i] + (1 - b1) * grad
                let vi = b2 * v[i] + (1 - b2) * grad * grad
                m[i] = mi
                v[i] = vi
                p[i] = p[i] * decayFactor - stepSize * mi / (vi.squareRoot() / correction2 + eps)
            }
        }
    }
}
