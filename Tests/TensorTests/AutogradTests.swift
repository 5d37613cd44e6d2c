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

@Suite struct BackwardKeepsWhatItReadsTests {
    /// Backward must not read a buffer the forward's caller has already released: a temporary
    /// mask goes back to the pool, gets reused, and would otherwise corrupt the gradient.
    @Test func temporaryMaskAndConditionStayValid() {
        let x = randomInput([4, 64], seed: 3), y = randomInput([4, 64], seed: 4)
        func masked() -> Tensor {
            let mask = Tensor((0..<64).map { Float($0 % 2) }, shape: [64])  // released when this returns
            return x.maskedFill(mask, with: 0)
        }
        func chosen() -> Tensor {
            let condition = Tensor((0..<256).map { Float($0 % 3 == 0 ? 1 : 0) }, shape: [4, 64])
            return where_(condition, x, y)
        }
        let a = masked(), b = chosen()
        // Reuse the freed buffers with other values.
        let filler = (0..<8).map { _ in Tensor(repeating: 7, shape: [64]) } + (0..<8).map { _ in Tensor(repeating: 7, shape: [4, 64]) }
        (a.sum() + b.sum()).backward()
        _ = filler
        for r in 0..<4 {
            for k in 0..<64 {
                let fromMask: Float = k % 2 == 0 ? 1 : 0
                let fromWhere: Float = (r * 64 + k) % 3 == 0 ? 1 : 0
                #expect(x.grad![r, k] == fromMask + fromWhere)
                #expect(y.grad![r, k] == 1 - fromWhere)
            }
        }
    }
}
