import CKernels
import Testing
@testable import Tensor

/// Dropout's fused mask kernel: on both paths, the mask and output of the position rule (element j
/// takes bits 16·(j mod 4) of draw j / 4 of the generator's stream) evaluated draw by draw in
/// Swift, and the generator left where those draws end.
@Suite(.serialized) struct DropoutKernelTests {
    @Test func maskFollowsTheStreamOnBothPaths() {
        for n in [1, 3, 4, 15, 16, 17, 63, 64, 100, 1000] {
            for p: Float in [0.1, 0.5] {
                var g = RandomGenerator(seed: UInt64(n))
                let x = Tensor(normal: [n], generator: &g)
                var reference = RandomGenerator(seed: 99)
                let threshold = UInt64((p * 65536).rounded()), scale = 1 / (1 - p)
                var expected = [Float](repeating: 0, count: n), bits: UInt64 = 0
                for j in 0..<n {
                    if j % 4 == 0 { bits = reference.next() }
                    expected[j] = x.scalars[j] * ((bits >> (16 * UInt64(j % 4))) & 0xFFFF < threshold ? 0 : scale)
                }
                for portable in [true, false] {
                    fl_kernels_force_portable(portable ? 1 : 0)
                    defer { fl_kernels_force_portable(0) }
                    var generator = RandomGenerator(seed: 99)
                    let y = x.dropout(probability: p, generator: &generator)
                    #expect(y.scalars == expected, "n \(n), p \(p), portable \(portable)")
                    var after = reference
                    #expect(generator.next() == after.next(), "the stream continues after the mask's draws")
                }
            }
        }
    }

    /// A run starting inside a draw (attention's blocks): element j takes bits 16·((lane + j) mod 4)
    /// of draw (lane + j) / 4, no mask kept, on both paths.
    @Test func runsStartingInsideADrawFollowTheStream() {
        for lane in 0..<4 {
            for n in [1, 2, 5, 16, 19, 37] {
                var g = RandomGenerator(seed: UInt64(10 * lane + n))
                let x = Tensor(normal: [n], generator: &g).scalars
                let threshold: UInt32 = 19_661, scale: Float = 1 / 0.7
                var reference = RandomGenerator(seed: 5), bits: UInt64 = 0, expected = x
                for j in 0..<n {
                    let e = lane + j
                    if j == 0 || e % 4 == 0 { bits = reference.next() }
                    expected[j] = x[j] * (UInt32((bits >> (16 * UInt64(e % 4))) & 0xFFFF) < threshold ? 0 : scale)
                }
                for portable in [true, false] {
                    fl_kernels_force_portable(portable ? 1 : 0)
                    defer { fl_kernels_force_portable(0) }
                    var generator = RandomGenerator(seed: 5), y = [Float](repeating: .nan, count: n)
                    generator.withState { fl_dropout($0, lane, n, threshold, scale, x, nil, &y) }
                    #expect(y == expected, "lane \(lane), n \(n), portable \(portable)")
                }
            }
        }
    }
}
