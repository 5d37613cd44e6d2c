import Testing
import Tensor
import TestSupport

@Suite struct AutogradTests {
    @Test func noGradientModeRecordsNothing() {
        let w = randomInput([4, 4])
        let y = withoutGradients { (w * 2).exp().sum() }
        #expect(!y.requiresGrad)
        let z = (w * 2).sum()
        #expect(z.requiresGrad)
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let w = Tensor([1, 2], shape: [2], requiresGrad: true)
        (w * 3).sum().backward()
        (w * 3).sum().backward()
        #expect(w.grad?.scalars == [6, 6])
        w.zeroGrad()
        #expect(w.grad?.scalars == [0, 0])
    }

    @Test func inputsWithoutGradientGetNone() {
        let w = randomInput([3])
        let constant = Tensor([1, 2, 3], shape: [3])
        (w * constant).sum().backward()
        #expect(constant.grad == nil)
        #expect(w.grad?.scalars == [1, 2, 3])
    }

    @Test func backwardReleasesTheGraph() {
        // After backward, no intermediate stays alive: the graph (and its buffers) is released.
        var g = RandomGenerator(seed: 1)
        let w = Tensor(normal: [64, 64], generator: &g, requiresGrad: true)
        let x = Tensor(normal: [256, 64], generator: &g)
        weak var hidden: Tensor?
        weak var probabilities: Tensor?
        do {
            let h = matmul(x, w, transposeB: true).tanh()
            let p = h.softmax()
            hidden = h
            probabilities = p
            p.sum().backward()
        }
        #expect(hidden == nil && probabilities == nil)
        #expect(w.grad != nil)
    }

    @Test func sameThreadCountGivesIdenticalResults() {
        func run() -> [Float] {
            var g = RandomGenerator(seed: 9)
            let w = Tensor(normal: [128, 128], generator: &g, requiresGrad: true)
            let x = Tensor(normal: [512, 128], generator: &g)
            let y = matmul(x, w).layerNorm(weight: nil, bias: nil).gelu()
            y.dropout(probability: 0.1, generator: &g).sum().backward()
            return w.grad!.scalars
        }
        #expect(run() == run())
    }
}
