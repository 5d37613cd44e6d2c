import CKernels
import Testing
import Tensor

/// The Adam(W) step kernel: the AVX-512 path against the portable one, and both against Adam's
/// formula evaluated in Swift in its order of operations (what NN's Adam computed before the
/// kernel), bit for bit.
@Suite(.serialized) struct AdamKernelTests {
    @Test func bothPathsGiveTheBitsOfTheFormula() {
        var g = RandomGenerator(seed: 41)
        for (count, decay, l2) in [(1, Float(1), Float(0)), (15, 1, 0), (16, 0.99998, 0), (1000, 1, 0.01), (37, 0.9999, 0.001)] {
            let p0 = Tensor(normal: [count], std: 0.5, generator: &g).scalars, grads = Tensor(normal: [count], std: 0.1, generator: &g).scalars
            let m0 = Tensor(normal: [count], std: 0.01, generator: &g).scalars
            let v0 = Tensor(normal: [count], std: 0.001, generator: &g).scalars.map { $0 * $0 }
            let (b1, b2, eps, step, c2): (Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 0.0021, 0.0447)
            var expected = (p: p0, m: m0, v: v0)
            for i in 0..<count {
                let grad = grads[i] + l2 * expected.p[i]
                let mi = b1 * expected.m[i] + (1 - b1) * grad
                let vi = b2 * expected.v[i] + (1 - b2) * grad * grad
                expected.m[i] = mi
                expected.v[i] = vi
                expected.p[i] = expected.p[i] * decay - step * mi / (vi.squareRoot() / c2 + eps)
            }
            for portable in [true, false] {
                fl_kernels_force_portable(portable ? 1 : 0)
                defer { fl_kernels_force_portable(0) }
                var (p, m, v) = (p0, m0, v0)
                fl_adam_update(&p, grads, &m, &v, count, b1, b2, eps, step, c2, decay, l2)
                #expect(p == expected.p && m == expected.m && v == expected.v, "count \(count), portable \(portable)")
            }
        }
    }
}
