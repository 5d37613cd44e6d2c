import Testing
import Tensor
import TestSupport

/// Ops that split a batch over threads (convolution samples, attention-style batched GEMMs,
/// elementwise chunks) at sizes large enough to split on a multi-core machine: finite-difference
/// gradients, and the batched result equal to the same op run one sample at a time.
@Suite struct ThreadSplitTests {
    @Test func convolutionOverManySamples() throws {
        let x = randomInput([96, 2, 5, 5], seed: 40)
        let w = randomInput([3, 2, 3, 3], seed: 41, scale: 0.3), bias = randomInput([3], seed: 42)
        try checkGradients(of: [x, w, bias], maxElementsPerInput: 24) { conv2d(x, weight: w, bias: bias, padding: (1, 1)) }
    }

    @Test func convolutionBatchEqualsSampleBySample() {
        let x = randomInput([64, 3, 8, 8], seed: 43)
        let w = randomInput([4, 3, 3, 3], seed: 44, scale: 0.3), bias = randomInput([4], seed: 45)
        let seed = randomInput([64, 4, 8, 8], seed: 46).detached()
        let y = conv2d(x, weight: w, bias: bias, padding: (1, 1))
        y.backward(seed: seed)
        let batchGradX = x.grad!.scalars, batchGradW = w.grad!.scalars
        x.zeroGrad(); w.zeroGrad()
        for s in 0..<64 {
            let xs = x.detached().slice(axis: 0, s..<(s + 1)).requiringGrad()
            let ys = conv2d(xs, weight: w, bias: bias, padding: (1, 1))
            #expect(ys.scalars == Array(y.scalars[(s * 256)..<((s + 1) * 256)]))
            ys.backward(seed: seed.slice(axis: 0, s..<(s + 1)))
            #expect(xs.grad!.scalars == Array(batchGradX[(s * 192)..<((s + 1) * 192)]))
        }
        // The weight gradient summed sample by sample, as the batched op sums it.
        #expect(zip(w.grad!.scalars, batchGradW).allSatisfy { Swift.abs($0 - $1) <= 1e-4 * Swift.max(1, Swift.abs($1)) })
    }

    @Test func batchedMatmulOverManyEntries() throws {
        let a = randomInput([16, 16, 16], seed: 47), b = randomInput([16, 16, 16], seed: 48)
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            try checkGradients(of: [a, b], maxElementsPerInput: 24) { matmul(a, b, transposeA: ta, transposeB: tb) }
        }
        let shared = randomInput([16, 16], seed: 49)
        try checkGradients(of: [a, shared], maxElementsPerInput: 24) { matmul(a, shared, transposeA: true) }
    }

    @Test func largeElementwiseOps() throws {
        let x = randomInput([300, 300], seed: 50)
        try checkGradients(of: [x], maxElementsPerInput: 24) { x.relu() }
        try checkGradients(of: [x], maxElementsPerInput: 24) {
            var g = RandomGenerator(seed: 5)
            return x.dropout(probability: 0.2, generator: &g)
        }
    }
}
