import Testing
import Tensor
import NN
import TestSupport

/// A weight matrix (decayed) and a bias (not decayed) with known values.
private func tinyParameters() -> (weight: Tensor, bias: Tensor, buffer: ParameterBuffer) {
    let weight = Tensor([0.5, -1, 2, 0], shape: [2, 2], requiresGrad: true)
    let bias = Tensor([0.3, -0.2], shape: [2], requiresGrad: true)
    // Bias listed first: packing must still put the decayed weight first.
    return (weight, bias, ParameterBuffer(parameters: [("bias", bias), ("weight", weight)]))
}

private func setGradients(_ weight: Tensor, _ bias: Tensor, _ values: [Float]) {
    weight.grad!.assign(Tensor(Array(values[0..<4]), shape: [2, 2]))
    bias.grad!.assign(Tensor(Array(values[4..<6]), shape: [2]))
}

/// Gradients for three steps: four weight entries then two bias entries.
private let threeSteps: [[Float]] = [
    [0.1, -0.2, 0.3, 0.4, 0.5, -0.5],
    [-0.1, 0.2, 0.1, 0.4, 0.25, 0],
    [0.05, 0.05, -0.3, 0.2, -0.5, 0.1],
]

@Suite struct AdamTests {
    /// PyTorch's AdamW (lr 0.1, betas 0.9/0.999, eps 1e-8, weight_decay 0.1, bias in a no-decay
    /// group), computed step by step in double precision. Step 1 by hand: Adam's first update
    /// is lr·sign(g), so w = 0.5·(1 − 0.01) − 0.1 = 0.395 and the bias moves by 0.1 exactly.
    @Test func adamWMatchesHandComputedSteps() throws {
        let (weight, bias, buffer) = tinyParameters()
        let optimizer = try AdamW(parameters: buffer, learningRate: 0.1, weightDecay: 0.1)
        let expected: [[Float]] = [
            [0.3950000, -0.8900000, 1.8800000, -0.1000000, 0.2000000, -0.1000000],
            [0.3963132, -0.8863632, 1.7740936, -0.1990000, 0.1067820, -0.0329942],
            [0.3748775, -0.8926342, 1.7515140, -0.2911913, 0.0957037, 0.0052535],
        ]
        for (grads, after) in zip(threeSteps, expected) {
            setGradients(weight, bias, grads)
            optimizer.step()
            #expect(nearlyEqual(weight.scalars + bias.scalars, after, tolerance: 2e-6))
        }
        #expect(optimizer.stepCount == 3)
    }

    /// Coupled L2 decay (torch.optim.Adam(weight_decay=0.1)), bias not decayed.
    @Test func adamL2MatchesHandComputedSteps() throws {
        let (weight, bias, buffer) = tinyParameters()
        let optimizer = try Adam(parameters: buffer, learningRate: 0.1, weightDecay: 0.1)
        let expected: [[Float]] = [
            [0.4000000, -0.9000000, 1.9000000, -0.1000000, 0.2000000, -0.1000000],
            [0.3654394, -0.8627221, 1.8046965, -0.1999260, 0.1067820, -0.0329942],
            [0.3117079, -0.8268784, 1.7455031, -0.2930465, 0.0957037, 0.0052535],
        ]
        for (grads, after) in zip(threeSteps, expected) {
            setGradients(weight, bias, grads)
            optimizer.step()
            #expect(nearlyEqual(weight.scalars + bias.scalars, after, tolerance: 2e-6))
        }
    }

    @Test func invalidHyperparametersThrow() {
        let buffer = tinyParameters().buffer
        #expect(throws: OptimizerError.self) { try AdamW(parameters: buffer, beta1: 1) }
        #expect(throws: OptimizerError.self) { try AdamW(parameters: buffer, learningRate: -1) }
        #expect(throws: OptimizerError.self) { try Adam(parameters: buffer, eps: .nan) }
        #expect(throws: OptimizerError.self) { try SGD(parameters: buffer, learningRate: 0.1, nesterov: true) }
    }
}

@Suite struct SGDTests {
    /// p = 1, g = 1 every step, lr 0.1, momentum 0.9: buffers 1, 1.9, 2.71.
    @Test func momentumKnownValues() throws {
        let p = Tensor([1], shape: [1], requiresGrad: true)
        let optimizer = try SGD(parameters: ParameterBuffer(parameters: [("p", p)]), learningRate: 0.1, momentum: 0.9)
        var values: [Float] = []
        for _ in 0..<3 {
            p.grad!.assign(Tensor([1], shape: [1]))
            optimizer.step()
            values.append(p.item)
        }
        #expect(nearlyEqual(values, [0.9, 0.71, 0.439]))
    }

    /// Nesterov: the step uses g + μ·b: 1.9 then 2.71.
    @Test func nesterovKnownValues() throws {
        let p = Tensor([1], shape: [1], requiresGrad: true)
        let optimizer = try SGD(parameters: ParameterBuffer(parameters: [("p", p)]), learningRate: 0.1, momentum: 0.9,
                                nesterov: true)
        var values: [Float] = []
        for _ in 0..<2 {
            p.grad!.assign(Tensor([1], shape: [1]))
            optimizer.step()
            values.append(p.item)
        }
        #expect(nearlyEqual(values, [0.81, 0.539]))
    }

    /// Dampening skips the first step (PyTorch initialises the buffer with the raw gradient).
    @Test func dampening() throws {
        let p = Tensor([1], shape: [1], requiresGrad: true)
        let optimizer = try SGD(parameters: ParameterBuffer(parameters: [("p", p)]), learningRate: 0.1, momentum: 0.9,
                                dampening: 0.5)
        var values: [Float] = []
        for _ in 0..<2 {
            p.grad!.assign(Tensor([1], shape: [1]))
            optimizer.step()
            values.append(p.item)
        }
        #expect(nearlyEqual(values, [0.9, 0.76]))
    }

    /// Decay 0.5 on the matrix: d = g + λp = 1.5, then 1 + 0.425; the bias is not decayed.
    @Test func weightDecayOnlyOnMatrices() throws {
        let w = Tensor([1], shape: [1, 1], requiresGrad: true)
        let b = Tensor([1], shape: [1], requiresGrad: true)
        let optimizer = try SGD(parameters: ParameterBuffer(parameters: [("w", w), ("b", b)]), learningRate: 0.1,
                                momentum: 0.9, weightDecay: 0.5)
        var ws: [Float] = [], bs: [Float] = []
        for _ in 0..<2 {
            w.grad!.assign(Tensor([1], shape: [1, 1]))
            b.grad!.assign(Tensor([1], shape: [1]))
            optimizer.step()
            ws.append(w.item)
            bs.append(b.item)
        }
        #expect(nearlyEqual(ws, [0.85, 0.5725]))
        #expect(nearlyEqual(bs, [0.9, 0.71]))
    }

    @Test func plainGradientDescent() throws {
        let p = Tensor([1, 2], shape: [2], requiresGrad: true)
        let optimizer = try SGD(parameters: ParameterBuffer(parameters: [("p", p)]), learningRate: 0.5)
        p.grad!.assign(Tensor([2, -4], shape: [2]))
        optimizer.step()
        #expect(p.scalars == [0, 4])
        optimizer.zeroGrad()
        #expect(p.grad!.scalars == [0, 0])
    }
}

@Suite struct OptimizerStateTests {
    /// A small model with matrices, biases and a norm gain.
    private static func model(seed: UInt64) -> MLP {
        var g = RandomGenerator(seed: seed)
        return MLP(inputSize: 3, hiddenSizes: [5], outputSize: 2, generator: &g)
    }

    /// One deterministic training step: a fixed batch, gradients from the loss.
    private static func train(_ model: MLP, _ optimizer: any Optimizer, steps: Int, seed: UInt64) {
        var g = RandomGenerator(seed: seed)
        for _ in 0..<steps {
            let x = Tensor(normal: [4, 3], generator: &g)
            let labels = (0..<4).map { _ in Int32(g.nextInt(below: 2)) }
            optimizer.zeroGrad()
            softmaxCrossEntropy(model(x), labels: labels).backward()
            optimizer.step()
        }
    }

    private static func roundTrip(_ make: (ParameterBuffer) throws -> any Optimizer) throws {
        let original = model(seed: 1)
        let first = try make(ParameterBuffer(module: original))
        train(original, first, steps: 3, seed: 10)
        let state = first.stateTensors()

        // A fresh model with the same weights and a fresh optimizer with the imported state.
        let resumed = model(seed: 99)
        for ((_, a), (_, b)) in zip(resumed.namedParameters(), original.namedParameters()) { a.assign(b) }
        let second = try make(ParameterBuffer(module: resumed))
        try second.loadState(state)
        #expect(second.stepCount == 3)

        train(original, first, steps: 2, seed: 20)
        train(resumed, second, steps: 2, seed: 20)
        #expect(original.namedParameters().map(\.name) == resumed.namedParameters().map(\.name) && !original.namedParameters().isEmpty)
        for ((name, a), (_, b)) in zip(original.namedParameters(), resumed.namedParameters()) {
            #expect(a.scalars == b.scalars, "\(name) differs after resuming")
        }
    }

    @Test func exportImportGivesIdenticalSteps() throws {
        try Self.roundTrip { try AdamW(parameters: $0, learningRate: 0.01, weightDecay: 0.1) }
        try Self.roundTrip { try Adam(parameters: $0, learningRate: 0.01) }
        try Self.roundTrip { try SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true) }
    }

    @Test func stateIsNamedByParameter() throws {
        let m = Self.model(seed: 2)
        let optimizer = try AdamW(parameters: ParameterBuffer(module: m))
        let state = Dictionary(uniqueKeysWithValues: optimizer.stateTensors())
        #expect(state["step"]?.shape == [])
        #expect(state["exp_avg.layers.0.weight"]?.shape == [5, 3])
        #expect(state["exp_avg_sq.layers.1.bias"]?.shape == [2])
        #expect(state.count == 1 + 2 * 4)
    }

    @Test func badStateIsRejectedWithoutChanges() throws {
        let m = Self.model(seed: 3)
        let optimizer = try AdamW(parameters: ParameterBuffer(module: m))
        var state = Dictionary(uniqueKeysWithValues: optimizer.stateTensors())
        state["step"] = Tensor(scalar: 7)

        var missing = state
        missing["exp_avg.layers.0.bias"] = nil
        let e1 = #expect(throws: CheckpointError.self) { try optimizer.loadState(missing) }
        #expect(e1 == .missingTensor(source: "optimizer state", tensor: "exp_avg.layers.0.bias", expectedShape: [5]))

        var extra = state
        extra["exp_avg.layers.9.weight"] = Tensor(zeros: [1])
        let e2 = #expect(throws: CheckpointError.self) { try optimizer.loadState(extra) }
        #expect(e2 == .unexpectedTensor(source: "optimizer state", tensor: "exp_avg.layers.9.weight", shape: [1]))

        var misShaped = state
        misShaped["exp_avg_sq.layers.1.weight"] = Tensor(zeros: [5, 2])
        let e3 = #expect(throws: CheckpointError.self) { try optimizer.loadState(misShaped) }
        #expect(e3 == .shapeMismatch(source: "optimizer state", tensor: "exp_avg_sq.layers.1.weight", expected: [2, 5], actual: [5, 2]))

        var fractionalStep = state
        fractionalStep["step"] = Tensor(scalar: 2.5)
        #expect(throws: CheckpointError.self) { try optimizer.loadState(fractionalStep) }

        #expect(optimizer.stepCount == 0)
        try optimizer.loadState(state)
        #expect(optimizer.stepCount == 7)
    }
}
