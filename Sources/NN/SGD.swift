import Tensor

/// Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 weight
/// decay, step for step as PyTorch's `torch.optim.SGD`:
///
///     g ← g + λ·p                      (decayed parameters only)
///     b ← g                            (first step)
///     b ← μ·b + (1 − dampening)·g      (later steps)
///     g ← g + μ·b  (Nesterov)   or   g ← b
///     p ← p − lr·g
///
/// Weight decay applies to the buffer's decay range only (PyTorch with a no-decay group for
/// biases and norm gains).
public final class SGD: Optimizer {
    public let parameters: ParameterBuffer
    public var learningRate: Float
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float
    public private(set) var stepCount = 0
    private let state: OptimizerState

    public init(parameters: ParameterBuffer, learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) throws {
        try OptimizerError.check("learningRate", learningRate, "≥ 0", learningRate >= 0)
        try OptimizerError.check("momentum", momentum, "≥ 0", momentum >= 0)
        try OptimizerError.check("dampening", dampening, "in [0, 1]", dampening >= 0 && dampening <= 1)
        try OptimizerError.check("weightDecay", weightDecay, "≥ 0", weightDecay >= 0)
        if nesterov {
            try OptimizerError.check("momentum", momentum, "> 0 with Nesterov", momentum > 0)
            try OptimizerError.check("dampening", dampening, "0 with Nesterov", dampening == 0)
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        state = OptimizerState(parameters: parameters, slotNames: momentum != 0 ? ["momentum_buffer"] : [])
    }

    public func step() {
        stepCount += 1
        update(parameters.decayRange, weightDecay: weightDecay)
        update(parameters.noDecayRange, weightDecay: 0)
    }

    private func update(_ range: Range<Int>, weightDecay: Float) {
        let p = parameters.values.pointer, g = parameters.gradients.pointer
        let lr = learningRate, mu = momentum, keep = 1 - dampening, nesterov = self.nesterov
        guard mu != 0 else {
            forEachChunk(of: range) { s, e in
                for i in s..<e { p[i] -= lr * (g[i] + weightDecay * p[i]) }
            }
            return
        }
        let b = state.storage("momentum_buffer").pointer
        let first = stepCount == 1
        forEachChunk(of: range) { s, e in
            for i in s..<e {
                let d = g[i] + weightDecay * p[i]
                let buf = first ? d : mu * b[i] + keep * d
                b[i] = buf
                p[i] -= lr * (nesterov ? d + mu * buf : buf)
            }
        }
    }

    public func stateTensors() -> [(String, Tensor)] { state.export(stepCount: stepCount) }

    public func loadState(_ tensors: [String: Tensor]) throws { stepCount = try state.load(tensors) }
}
