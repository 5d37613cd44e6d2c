import Testing
import Tensor
import NN
import TestSupport

/// Every basic layer against finite differences, over its parameters and its input.
@Suite struct LayerGradientTests {
    @Test func linear() throws {
        var g = RandomGenerator(seed: 1)
        let layer = Linear(inputSize: 4, outputSize: 3, generator: &g)
        let x = randomInput([2, 5, 4], seed: 2)
        try checkGradients(of: layer, inputs: [x]) { layer(x) }
        let noBias = Linear(inputSize: 4, outputSize: 3, bias: false, generator: &g)
        #expect(noBias.namedParameters().map(\.name) == ["weight"])
        try checkGradients(of: noBias, inputs: [x]) { noBias(x) }
    }

    @Test func embedding() throws {
        var g = RandomGenerator(seed: 3)
        let table = Embedding(count: 6, dimension: 3, generator: &g)
        let ids = IndexTensor([0, 5, 2, 2, 1, 4], shape: [2, 3])
        try checkGradients(of: table) { table(ids) }
    }

    @Test func embeddingPaddingRowGetsNoGradient() throws {
        var g = RandomGenerator(seed: 4)
        let table = Embedding(count: 5, dimension: 3, paddingIndex: 0, generator: &g)
        #expect(table.weight.scalars[0..<3].allSatisfy { $0 == 0 })
        let ids = IndexTensor([0, 2, 0, 3, 2, 0], shape: [2, 3])
        table.zeroGrad()
        (table(ids) * randomInput([2, 3, 3], seed: 5).detached()).sum().backward()
        let grad = try #require(table.weight.grad)
        #expect(grad.scalars[0..<3].allSatisfy { $0 == 0 })           // padding row: exactly zero
        #expect(grad.scalars[6..<12].contains { $0 != 0 })            // used rows 2, 3 receive gradient
        #expect(grad.scalars[3..<6].allSatisfy { $0 == 0 })           // unused row 1
        // Non-padding rows still check out against finite differences.
        let plain = IndexTensor([1, 2, 3, 2], shape: [4])
        try checkGradients(of: table) { table(plain) }
    }

    @Test func layerNorm() throws {
        let norm = LayerNorm(dimension: 5)
        // Non-trivial gain and bias so their gradients are exercised away from 1 and 0.
        norm.weight.assign(randomInput([5], seed: 6).detached())
        norm.bias.assign(randomInput([5], seed: 7).detached())
        let x = randomInput([3, 5], seed: 8)
        try checkGradients(of: norm, inputs: [x]) { norm(x) }
    }

    @Test func dropoutInTrainingMode() throws {
        let x = randomInput([6, 6], seed: 9)
        try checkGradients(of: [x]) {
            var g = RandomGenerator(seed: 10)
            return Dropout(probability: 0.4, generator: &g)(x)
        }
        // Same seed, same mask: each element is either dropped or scaled by 1/(1−p).
        var g = RandomGenerator(seed: 10)
        let y = Dropout(probability: 0.4, generator: &g)(x)
        for (out, inp) in zip(y.scalars, x.scalars) {
            #expect(out == 0 || Swift.abs(out - inp / 0.6) < 1e-5)
        }
        #expect(y.scalars.contains(0) && y.scalars.contains { $0 != 0 })
    }

    @Test func evalModeDisablesDropout() {
        var g = RandomGenerator(seed: 11)
        let dropout = Dropout(probability: 0.5, generator: &g)
        let x = randomInput([4, 8], seed: 12)
        #expect(dropout(x).scalars != x.scalars)
        dropout.eval()
        #expect(dropout(x).scalars == x.scalars)
        let mlp = MLP(inputSize: 8, hiddenSizes: [16], outputSize: 2, dropout: 0.5, generator: &g)
        #expect(mlp(x).scalars != mlp(x).scalars)  // fresh masks each call in training
        mlp.eval()
        #expect(mlp(x).scalars == mlp(x).scalars)
        #expect(mlp.dropouts.allSatisfy { !$0.isTraining })
    }

    @Test func conv1d() throws {
        var g = RandomGenerator(seed: 13)
        let conv = Conv1d(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, generator: &g)
        let x = randomInput([2, 2, 7], seed: 14)
        try checkGradients(of: conv, inputs: [x]) { conv(x) }
        #expect(conv(x).shape == [2, 3, 4])
    }

    @Test func conv2dWithStrideAndPadding() throws {
        var g = RandomGenerator(seed: 15)
        let conv = Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, generator: &g)
        let x = randomInput([2, 2, 5, 6], seed: 16)
        #expect(conv(x).shape == [2, 3, 3, 3])
        try checkGradients(of: conv, inputs: [x]) { conv(x) }
        let rect = Conv2d(inputChannels: 2, outputChannels: 2, kernelSize: (2, 3), stride: (1, 2), padding: (1, 0),
                          bias: false, generator: &g)
        try checkGradients(of: rect, inputs: [x]) { rect(x) }
    }

    @Test func maxPool2d() throws {
        let pool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        let x = randomInput([2, 2, 6, 6], seed: 17)
        #expect(pool(x).shape == [2, 2, 3, 3])
        try checkGradients(of: [x]) { pool(x) }
        try checkGradients(of: [x]) { MaxPool2d(kernelSize: 2)(x) }
    }

    @Test func mlp() throws {
        var g = RandomGenerator(seed: 18)
        let mlp = MLP(inputSize: 4, hiddenSizes: [6, 5], outputSize: 2, activation: .gelu, generator: &g)
        #expect(mlp.namedParameters().map(\.name) ==
                ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"])
        let x = randomInput([3, 4], seed: 19)
        try checkGradients(of: mlp, inputs: [x]) { mlp(x) }
    }
}
