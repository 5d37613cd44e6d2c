import Testing
import Tensor
import TestSupport

/// Fused ops: finite-difference gradients, and the same values as the unfused chain they replace.
@Suite struct FusedOpTests {
    /// `[2, 3, 4, 5]` scores and a `[2, 5]` key mask; batch entry 1 has every key masked.
    let scores = randomInput([2, 3, 4, 5], seed: 60)
    let mask = Tensor([0, 1, 0, 0, 1,  1, 1, 1, 1, 1], shape: [2, 5])

    @Test func maskedSoftmaxGradients() throws {
        try checkGradients(of: [scores]) { scores.maskedSoftmax(keyMask: mask) }
        try checkGradients(of: [scores]) { scores.maskedSoftmax(keyMask: nil) }
    }

    @Test func maskedSoftmaxEqualsFillThenSoftmax() {
        let fused = scores.maskedSoftmax(keyMask: mask)
        let chain = scores.maskedFill(mask.reshaped([2, 1, 1, 5]), with: -.infinity).softmax(axis: -1)
        #expect(fused.scalars == chain.scalars)
        #expect(scores.maskedSoftmax(keyMask: nil).scalars == scores.softmax(axis: -1).scalars)
        // Fully masked rows are zeros, not NaN.
        #expect(fused.scalars[60...].allSatisfy { $0 == 0 })
        let seed = randomInput([2, 3, 4, 5], seed: 61).detached()
        fused.backward(seed: seed)
        let fusedGrad = scores.grad!.scalars
        scores.zeroGrad()
        chain.backward(seed: seed)
        #expect(fusedGrad == scores.grad!.scalars)
    }

    @Test func linearGradients() throws {
        let x = randomInput([2, 3, 5], seed: 62), w = randomInput([4, 5], seed: 63), b = randomInput([4], seed: 64)
        try checkGradients(of: [x, w, b]) { linear(x, weight: w, bias: b) }
        try checkGradients(of: [x, w]) { linear(x, weight: w, bias: nil) }
    }

    @Test func linearEqualsMatmulPlusBias() {
        let x = randomInput([3, 7, 6], seed: 65), w = randomInput([5, 6], seed: 66), b = randomInput([5], seed: 67)
        let seed = randomInput([3, 7, 5], seed: 68).detached()
        let fused = linear(x, weight: w, bias: b)
        fused.backward(seed: seed)
        let grads = [x, w, b].map { $0.grad!.scalars }
        for t in [x, w, b] { t.zeroGrad() }
        let chain = matmul(x, w, transposeB: true) + b
        chain.backward(seed: seed)
        #expect(fused.scalars == chain.scalars)
        #expect(grads == [x, w, b].map { $0.grad!.scalars })
    }

    @Test func headProductGradients() throws {
        let q = randomInput([2, 3, 8], seed: 69), k = randomInput([2, 5, 8], seed: 70)
        let w = randomInput([2, 4, 3, 5], seed: 71), v = randomInput([2, 5, 8], seed: 72)
        try checkGradients(of: [q, k]) { headScores(q, k, heads: 4) }
        try checkGradients(of: [w, v]) { headContext(w, v) }
    }

    @Test func headProductsEqualPermutedMatmuls() {
        let q = randomInput([2, 3, 8], seed: 73), k = randomInput([2, 5, 8], seed: 74), v = randomInput([2, 5, 8], seed: 75)
        func split(_ x: Tensor) -> Tensor { x.reshaped([2, x.shape[1], 4, 2]).permuted([0, 2, 1, 3]) }
        let seed = randomInput([2, 3, 8], seed: 76).detached()
        let fused = headContext(headScores(q, k, heads: 4).softmax(axis: -1), v)
        fused.backward(seed: seed)
        let grads = [q, k, v].map { $0.grad!.scalars }
        for t in [q, k, v] { t.zeroGrad() }
        let chain = matmul(matmul(split(q), split(k), transposeB: true).softmax(axis: -1), split(v))
            .permuted([0, 2, 1, 3]).reshaped([2, 3, 8])
        chain.backward(seed: seed)
        #expect(fused.scalars == chain.scalars)
        #expect(grads == [q, k, v].map { $0.grad!.scalars })
    }

    /// Small maps and ε = 1e-3, so no pre-activation crosses ReLU's kink under the perturbation
    /// (a weight moves every output of its channel).
    @Test func convolutionReLUGradients() throws {
        let x = randomInput([1, 2, 4, 4], seed: 77), w = randomInput([3, 2, 3, 3], seed: 78, scale: 0.3)
        let b = randomInput([3], seed: 79)
        try checkGradients(of: [x, w, b], epsilon: 1e-3) { conv2d(x, weight: w, bias: b, padding: (1, 1), relu: true) }
        let s = randomInput([2, 2, 7], seed: 80), k = randomInput([3, 2, 3], seed: 81, scale: 0.3)
        try checkGradients(of: [s, k, b], epsilon: 1e-3) { conv1d(s, weight: k, bias: b, stride: 2, padding: 1, relu: true) }
    }

    @Test func convolutionReLUEqualsConvolutionThenReLU() {
        let x = randomInput([3, 3, 7, 6], seed: 82), w = randomInput([5, 3, 3, 3], seed: 83), b = randomInput([5], seed: 84)
        let seed = randomInput([3, 5, 7, 6], seed: 85).detached()
        let fused = conv2d(x, weight: w, bias: b, padding: (1, 1), relu: true)
        fused.backward(seed: seed)
        let grads = [x, w, b].map { $0.grad!.scalars }
        for t in [x, w, b] { t.zeroGrad() }
        let chain = conv2d(x, weight: w, bias: b, padding: (1, 1)).relu()
        chain.backward(seed: seed)
        #expect(fused.scalars == chain.scalars)
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 })
        #expect(grads == [x, w, b].map { $0.grad!.scalars })
        // Without gradients the columns live in a per-thread buffer: the same values.
        let inference = withoutGradients { conv2d(x, weight: w, bias: b, padding: (1, 1), relu: true) }
        #expect(inference.scalars == fused.scalars)
        #expect(withoutGradients { conv2d(x, weight: w, bias: nil, stride: (2, 1)) }.scalars
                == conv2d(x, weight: w, bias: nil, stride: (2, 1)).scalars)
    }

    /// Ops that skip their saved tensors under `withoutGradients` give the values they give while recording.
    @Test func withoutGradientsGivesTheRecordedValues() {
        let x = randomInput([2, 3, 6, 8], seed: 86), w = randomInput([8], seed: 87), b = randomInput([8], seed: 88)
        #expect(withoutGradients { x.layerNorm(weight: w, bias: b) }.scalars == x.layerNorm(weight: w, bias: b).scalars)
        #expect(withoutGradients { x.layerNorm(weight: nil, bias: nil) }.scalars == x.layerNorm(weight: nil, bias: nil).scalars)
        #expect(withoutGradients { x.maxPool2d(kernel: (2, 2)) }.scalars == x.maxPool2d(kernel: (2, 2)).scalars)
        #expect(!withoutGradients { x.maxPool2d(kernel: (2, 2)) }.requiresGrad)
    }

    @Test func convolutionReLUPoolingEqualsTheChain() throws {
        let x = randomInput([3, 3, 9, 8], seed: 89), w = randomInput([5, 3, 3, 3], seed: 90), b = randomInput([5], seed: 91)
        let chain = conv2d(x, weight: w, bias: b, padding: (1, 1)).relu().maxPool2d(kernel: (2, 2))
        // Without gradients, the fused kernel (odd height: the last row is dropped, as maxPool2d does).
        let fused = withoutGradients { conv2dReLUMaxPool2x2(x, weight: w, bias: b, padding: (1, 1)) }
        #expect(fused.shape == [3, 5, 4, 4])
        #expect(fused.scalars == chain.scalars)
        #expect(withoutGradients { conv2dReLUMaxPool2x2(x, weight: w, bias: nil, stride: (1, 2)) }.scalars
                == conv2d(x, weight: w, bias: nil, stride: (1, 2)).relu().maxPool2d(kernel: (2, 2)).scalars)
        // While recording, the chain itself: its finite differences.
        let small = randomInput([2, 2, 4, 4], seed: 92), k = randomInput([3, 2, 3, 3], seed: 93, scale: 0.3)
        let bias = randomInput([3], seed: 94)
        try checkGradients(of: [small, k, bias]) { conv2dReLUMaxPool2x2(small, weight: k, bias: bias, padding: (1, 1)) }
    }

    /// While recording, the fused op (its own backward: pool scatter and ReLU mask in one pass) gives
    /// the chain's values and gradients.
    @Test func recordedConvolutionReLUPoolingEqualsTheChain() {
        let x = randomInput([3, 3, 9, 8], seed: 95), w = randomInput([5, 3, 3, 3], seed: 96), b = randomInput([5], seed: 97)
        let seed = randomInput([3, 5, 4, 4], seed: 98).detached()
        let fused = conv2dReLUMaxPool2x2(x, weight: w, bias: b, padding: (1, 1))
        let chain = conv2d(x, weight: w, bias: b, padding: (1, 1)).relu().maxPool2d(kernel: (2, 2))
        #expect(fused.scalars == chain.scalars)
        fused.backward(seed: seed)
        let fusedGrads = [x, w, b].map { $0.grad!.scalars }
        [x, w, b].forEach { $0.zeroGrad() }
        chain.backward(seed: seed)
        #expect(fusedGrads == [x, w, b].map { $0.grad!.scalars })
    }

    /// One 2×2 image, a 1×1 kernel of 2 and bias −1: the convolution is [1, −5, 5, 0], ReLU
    /// [1, 0, 5, 0], the pool 5 — taken from input 3, so only it gets the gradient (2), the weight
    /// gets 3 and the bias 1. Shifted below zero, the pool is 0 and nothing gets a gradient.
    @Test func recordedConvolutionReLUPoolingKnownValues() {
        let x = Tensor([1, -2, 3, 0.5], shape: [1, 1, 2, 2], requiresGrad: true)
        let w = Tensor([2], shape: [1, 1, 1, 1], requiresGrad: true)
        // (bias, pooled value, gradients of x, weight and bias)
        let cases: [(Float, Float, [Float], Float, Float)] = [(-1, 5, [0, 0, 2, 0], 3, 1), (-7, 0, [0, 0, 0, 0], 0, 0)]
        for (bias, pooled, gx, gw, gb) in cases {
            let b = Tensor([bias], shape: [1], requiresGrad: true)
            [x, w].forEach { $0.zeroGrad() }
            let y = conv2dReLUMaxPool2x2(x, weight: w, bias: b)
            #expect(y.scalars == [pooled])
            y.backward(seed: Tensor(ones: [1, 1, 1, 1]))
            #expect(x.grad!.scalars == gx)
            #expect(w.grad!.scalars == [gw])
            #expect(b.grad!.scalars == [gb])
        }
    }

    /// The convolution writes the bias first and lets the GEMM add onto it: at the image encoder's
    /// depths (K = 3·9 and 32·9) that gives the bits of adding the bias after the product.
    @Test func convolutionBiasFirstEqualsBiasAfter() {
        for (c, seed) in [(3, UInt64(100)), (32, 103)] {
            let x = randomInput([2, c, 6, 6], seed: seed), w = randomInput([8, c, 3, 3], seed: seed + 1, scale: 0.2)
            let b = randomInput([8], seed: seed + 2)
            let withBias = withoutGradients { conv2d(x, weight: w, bias: b, padding: (1, 1)) }
            let after = withoutGradients { conv2d(x, weight: w, bias: nil, padding: (1, 1)) + b.reshaped([1, 8, 1, 1]) }
            #expect(withBias.scalars == after.scalars)
        }
    }
}
