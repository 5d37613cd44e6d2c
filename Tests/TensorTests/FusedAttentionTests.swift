import Testing
import Tensor
import TestSupport

/// `fusedHeadAttention`: finite-difference gradients, and bit for bit the values, gradients and
/// generator state of the chain it replaces (`headScores` → `maskedSoftmax` → `dropout` → `headContext`).
@Suite struct FusedAttentionTests {
    /// Batch entry 2 has every key masked; 5 × 7 = 35 weights per block, so blocks start mid-draw.
    static var mask: Tensor { Tensor([0, 1, 0, 0, 0, 0, 1,  0, 0, 0, 0, 0, 0, 0,  1, 1, 1, 1, 1, 1, 1], shape: [3, 7]) }

    @Test func gradients() throws {
        let q = randomInput([3, 5, 8], seed: 80), k = randomInput([3, 7, 8], seed: 81), v = randomInput([3, 7, 8], seed: 82)
        var none = RandomGenerator(seed: 0)
        try checkGradients(of: [q, k, v]) { fusedHeadAttention(q, k, v, heads: 4, keyMask: Self.mask, dropout: 0, generator: &none) }
        try checkGradients(of: [q, k, v]) { fusedHeadAttention(q, k, v, heads: 2, keyMask: nil, dropout: 0, generator: &none) }
        // The same mask every call: the generator starts from the same seed.
        try checkGradients(of: [q, k, v]) {
            var g = RandomGenerator(seed: 83)
            return fusedHeadAttention(q, k, v, heads: 4, keyMask: Self.mask, dropout: 0.3, generator: &g)
        }
    }

    /// The unfused chain, as `MultiHeadAttention` computed it before.
    static func chain(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, mask: Tensor?, dropout p: Float, generator: inout RandomGenerator) -> Tensor {
        headContext(headScores(q, k, heads: heads).maskedSoftmax(keyMask: mask).dropout(probability: p, generator: &generator), v)
    }

    /// Forward values, gradients of q, k and v, and where the generator is left.
    static func outcome(fused: Bool, q: Tensor, k: Tensor, v: Tensor, heads: Int, mask: Tensor?, dropout p: Float)
        -> (values: [Float], grads: [[Float]], next: UInt64) {
        for t in [q, k, v] { t.zeroGrad() }
        var g = RandomGenerator(seed: 90)
        let out = fused ? fusedHeadAttention(q, k, v, heads: heads, keyMask: mask, dropout: p, generator: &g)
                        : chain(q, k, v, heads: heads, mask: mask, dropout: p, generator: &g)
        out.backward(seed: randomInput(out.shape, seed: 91).detached())
        return (out.scalars, [q, k, v].map { $0.grad!.scalars }, g.next())
    }

    @Test(arguments: [Float(0), 0.1, 0.5])
    func equalsTheChainBitForBit(dropout p: Float) {
        let q = randomInput([3, 5, 8], seed: 84), k = randomInput([3, 7, 8], seed: 85), v = randomInput([3, 7, 8], seed: 86)
        for (heads, mask) in [(4, Optional(Self.mask)), (2, nil), (1, Optional(Self.mask))] {
            let fused = Self.outcome(fused: true, q: q, k: k, v: v, heads: heads, mask: mask, dropout: p)
            let chain = Self.outcome(fused: false, q: q, k: k, v: v, heads: heads, mask: mask, dropout: p)
            #expect(fused.values == chain.values, "heads \(heads), dropout \(p)")
            #expect(fused.grads == chain.grads, "heads \(heads), dropout \(p)")
            #expect(fused.next == chain.next, "the generator must be left where dropout leaves it")
        }
    }

    /// Blocks big enough to be split over threads (one (batch, head) pair per chunk at least).
    @Test func equalsTheChainAcrossThreads() {
        let q = randomInput([2, 64, 32], seed: 87), k = randomInput([2, 64, 32], seed: 88), v = randomInput([2, 64, 32], seed: 89)
        var padding = [Float](repeating: 0, count: 128)
        for j in 50..<64 { padding[64 + j] = 1 }
        let mask = Tensor(padding, shape: [2, 64])
        let fused = Self.outcome(fused: true, q: q, k: k, v: v, heads: 4, mask: mask, dropout: 0.2)
        let chain = Self.outcome(fused: false, q: q, k: k, v: v, heads: 4, mask: mask, dropout: 0.2)
        #expect(fused.values == chain.values)
        #expect(fused.grads == chain.grads)
        #expect(fused.next == chain.next)
    }

    /// Without gradients nothing is recorded and the values are the same.
    @Test func evaluationRecordsNothing() {
        let q = randomInput([3, 5, 8], seed: 92), k = randomInput([3, 7, 8], seed: 93), v = randomInput([3, 7, 8], seed: 94)
        var g = RandomGenerator(seed: 1), h = RandomGenerator(seed: 1)
        let out = withoutGradients { fusedHeadAttention(q, k, v, heads: 4, keyMask: Self.mask, dropout: 0, generator: &g) }
        #expect(!out.requiresGrad)
        #expect(out.scalars == withoutGradients { Self.chain(q, k, v, heads: 4, mask: Self.mask, dropout: 0, generator: &h) }.scalars)
        // A fully masked batch entry attends to nothing: zero context.
        #expect(out.scalars[80...].allSatisfy { $0 == 0 })
    }

    /// Training through attention at a window of 256 never holds a `[B, H, L, L]` tensor: the
    /// pool's peak in use stays below the size of one (4 MiB here; the rest is `[B, L, D]`-sized).
    @Test func memoryGrowsWithTheWindowNotItsSquare() {
        let (b, h, l, d) = (4, 4, 256, 16)
        let q = randomInput([b, l, d], seed: 95), k = randomInput([b, l, d], seed: 96), v = randomInput([b, l, d], seed: 97)
        let before = BufferPool.shared.statistics.liveBytes
        BufferPool.shared.resetPeaks()
        var g = RandomGenerator(seed: 98)
        let out = fusedHeadAttention(q, k, v, heads: h, keyMask: nil, dropout: 0.1, generator: &g)
        out.backward(seed: Tensor(ones: out.shape))
        let peak = BufferPool.shared.statistics.peakLiveBytes - before
        #expect(peak > 0)
        #expect(peak < b * h * l * l * 4, "attention held \(peak) bytes at once")
    }
}
