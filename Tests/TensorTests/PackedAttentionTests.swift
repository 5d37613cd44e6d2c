import Testing
import Tensor
import TestSupport

/// `packedHeadAttention`: each packed row is bit for bit the row `fusedHeadAttention` gives in the
/// padded batch with its padded keys masked.
@Suite struct PackedAttentionTests {
    @Test func packedRowsAreThePaddedBatchsValidRows() {
        // Lengths around the kernel's 16-key tiles and its 64-key block, and an empty sequence.
        let (b, l, d) = (6, 70, 32)
        let valid: [[Int]] = [Array(0..<70), Array(0..<17), [], Array(0..<50), [3], Array(0..<64)]
        var padding = [Float](repeating: 1, count: b * l)
        for (s, positions) in valid.enumerated() { for p in positions { padding[s * l + p] = 0 } }
        let mask = Tensor(padding, shape: [b, l])
        let q = randomInput([b, l, d], seed: 120).detached(), k = randomInput([b, l, d], seed: 121).detached()
        let v = randomInput([b, l, d], seed: 122).detached()
        for heads in [1, 2, 4] {
            var none = RandomGenerator(seed: 0)
            let padded = withoutGradients { fusedHeadAttention(q, k, v, heads: heads, keyMask: mask, dropout: 0, generator: &none) }
            let rows = valid.enumerated().flatMap { s, positions in positions.map { s * l + $0 } }
            var offsets = [0]
            for positions in valid { offsets.append(offsets.last! + positions.count) }
            func pack(_ t: Tensor) -> Tensor {
                Tensor(rows.flatMap { Array(t.scalars[($0 * d)..<($0 * d + d)]) }, shape: [rows.count, d])
            }
            let packed = withoutGradients { packedHeadAttention(pack(q), pack(k), pack(v), heads: heads, offsets: offsets) }
            #expect(packed.shape == [rows.count, d])
            #expect(packed.scalars.map(\.bitPattern) == pack(padded).scalars.map(\.bitPattern), "\(heads) heads")
        }
    }
}
