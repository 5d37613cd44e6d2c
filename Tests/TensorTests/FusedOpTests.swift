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
}
