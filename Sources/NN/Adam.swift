import CKernels
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba) with PyTorch's bias correction and its two kinds of weight decay λ, which
/// apply to the buffer's decay range only (matrices and embeddings; never biases or norm gains):
///
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// - decoupled (`AdamW`, Loshchilov & Hutter; `torch.optim.AdamW`): the decay shrinks the
///   weights directly, `p ← p·(1 − lr·λ)`, before the update;
/// - coupled (`torch.optim.Adam(weight_decay=)`): `λp` is added to the gradient, so the decay is
///   scaled by the adaptive step like any gradient. Prefer decoupled decay.
public class Adam: Optimizer {
    public let parameters: ParameterBuffer
    public var learningRate: Float
    public let hyperparameters: AdamHyperparameters
    /// AdamW's decay when true, L2 added to the gradient when false.
    public let decoupledWeightDecay: Bool
    public private(set) var stepCount = 0
    private let state: OptimizerState

    public init(parameters: ParameterBuffer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) throws {
        hyperparameters = try AdamHyperparameters(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps,
                                                  weightDecay: weightDecay)
        self.parameters = parameters
        self.learningRate = learningRate
        self.decoupledWeightDecay = decoupledWeightDecay
        state = OptimizerState(parameters: parameters, slotNames: ["exp_avg", "exp_avg_sq"])
    }

    public func step() {
        stepCount += 1
        let h = hyperparameters
        let t = Double(stepCount)
        // Corrections in Double as PyTorch computes them (Python floats).
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(h.beta1), t)))
        let correction2 = Float((1 - pow(Double(h.beta2), t)).squareRoot())
        let decayFactor = decoupledWeightDecay ? 1 - learningRate * h.weightDecay : 1
        let l2 = decoupledWeightDecay ? 0 : h.weightDecay
        update(parameters.decayRange, stepSize: stepSize, correction2: correction2, decayFactor: decayFactor, l2: l2)
        update(parameters.noDecayRange, stepSize: stepSize, correction2: correction2, decayFactor: 1, l2: 0)
    }

    public func stateTensors() -> [(String, Tensor)] { state.export(stepCount: stepCount) }
    public func loadState(_ tensors: [String: Tensor]) throws { stepCount = try state.load(tensors) }

    private func update(_ range: Range<Int>, stepSize: Float, correction2: Float, decayFactor: Float, l2: Float) {
        let p = parameters.values.pointer, g = parameters.gradients.pointer
        let m = state.storage("exp_avg").pointer, v = state.storage("exp_avg_sq").pointer
        let b1 = hyperparameters.beta1, b2 = hyperparameters.beta2, eps = hyperparameters.eps
        // grad = g + l2·p, m ← β1·m + (1 − β1)·grad, v ← β2·v + (1 − β2)·grad², then
        // p ← p·decay − stepSize·m / (√v / correction2 + ε): 16 lanes at a time where the CPU can.
        forEachChunk(of: range) { s, e in
            fl_adam_update(p + s, g + s, m + s, v + s, e - s, b1, b2, eps, stepSize, correction2, decayFactor, l2)
        }
    }
}

/// AdamW: `Adam` with decoupled weight decay, 0.01 by default as in PyTorch.
public final class AdamW: Adam {
    public init(parameters: ParameterBuffer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 1e-2) throws {
        try super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps,
                       weightDecay: weightDecay, decoupledWeightDecay: true)
    }
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
