import CKernels
import Foundation
import Testing
import Tensor
import TestSupport

/// The C element-wise kernels: the vector exp against a double-precision reference, and the AVX2
/// path against the portable one bit for bit (on a CPU without AVX2 both runs take the portable
/// path and the comparison is trivially equal; the accuracy checks still apply).
@Suite(.serialized) struct VectorKernelTests {
    /// Runs `body` on the portable path, then on the path the CPU picks.
    private func bothPaths<T>(_ body: () -> T) -> (portable: T, native: T) {
        fl_kernels_force_portable(1)
        let portable = body()
        fl_kernels_force_portable(0)
        return (portable, body())
    }

    /// Runs `body` on the portable path, on AVX2 at most, and on the path the CPU picks (AVX-512
    /// where it has it).
    private func threePaths<T>(_ body: () -> T) -> (portable: T, avx2: T, native: T) {
        fl_kernels_force_portable(2)
        let avx2 = body()
        let (portable, native) = bothPaths(body)
        return (portable, avx2, native)
    }

    private func exp(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        fl_exp(x, &y, x.count)
        return y
    }

    /// Error of `got` in units in the last place of the correctly rounded e^x.
    private func ulps(_ got: Float, _ x: Float) -> Double {
        let exact = Foundation.exp(Double(x))
        let ulp = Double(Float(exact).ulp == 0 ? Float.leastNonzeroMagnitude : Float(exact).ulp)
        return Swift.abs(Double(got) - exact) / ulp
    }

    private var sweep: [Float] {
        var xs = stride(from: Float(-104), through: 88.72, by: 0.0007).map { $0 }
        var g = RandomGenerator(seed: 3)
        xs += Tensor(normal: [20_000], mean: 0, std: 3, generator: &g).scalars
        xs += [0, -0, 1, -1, 1e-8, -1e-8, 0.5, -0.34657, 0.34657, 88.7228317, -87.3, -87.4, -100, -103.97, -103.98]
        return xs
    }

    @Test func expIsWithinTwoUlpOfTheExactValue() {
        let xs = sweep, ys = exp(xs)
        var worst = 0.0
        for (x, y) in zip(xs, ys) { worst = Swift.max(worst, ulps(y, x)) }
        #expect(worst <= 2, "worst error \(worst) ulp")
        // Agrees with libm's expf to within the same bound on ordinary inputs.
        for (x, y) in zip(xs, ys) where y.isNormal {
            let reference = expf(x)
            #expect(Swift.abs(y - reference) <= 2 * reference.ulp, "x = \(x): \(y) vs expf \(reference)")
        }
    }

    @Test func expSpecialValues() {
        let xs: [Float] = [-.infinity, -1000, -104.5, 0, -0, 88.7228317, 88.72284, 89, 1000, .infinity, .nan]
        let ys = exp(xs)
        #expect(ys[0] == 0 && ys[1] == 0 && ys[2] == 0)
        #expect(ys[3] == 1 && ys[4] == 1)
        #expect(ys[5].isFinite && ys[5] > 3.4e38)
        #expect(ys[6] == .infinity && ys[7] == .infinity && ys[8] == .infinity && ys[9] == .infinity)
        #expect(ys[10].isNaN)
        // Subnormal results: within 2 of the smallest steps.
        for x: Float in [-88, -90, -95, -100, -103.2] { #expect(ulps(exp([x])[0], x) <= 2, "x = \(x)") }
    }

    @Test func expIsTheSameOnBothPaths() {
        let xs = sweep + [-.infinity, .infinity, .nan, 89, -105]
        let (portable, native) = bothPaths { exp(xs) }
        #expect(portable.map(\.bitPattern) == native.map(\.bitPattern))
        // Lengths that leave every possible tail.
        for n in 1...17 {
            let part = Array(xs[1000..<(1000 + n)])
            let (p, v) = bothPaths { exp(part) }
            #expect(p.map(\.bitPattern) == v.map(\.bitPattern))
        }
    }

    /// Rows of awkward lengths with some positions excluded and some at −∞.
    private func rows(_ n: Int, seed: UInt64) -> (x: [Float], excluded: [Float], g: [Float]) {
        var generator = RandomGenerator(seed: seed)
        var x = Tensor(normal: [n], mean: 0, std: 4, generator: &generator).scalars
        let g = Tensor(normal: [n], mean: 0, std: 1, generator: &generator).scalars
        let excluded = (0..<n).map { Float($0 % 3 == 1 ? 1 : 0) }
        if n > 4 { x[4] = -.infinity }
        return (x, excluded, g)
    }

    @Test func softmaxRowsAreTheSameOnEveryPathAndCorrect() {
        for n in [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 50, 64, 257] {
            let (x, excluded, g) = rows(n, seed: UInt64(n))
            for mask in [nil, excluded] {
                let (p, a, v) = threePaths { () -> [Float] in
                    var y = [Float](repeating: .nan, count: n)
                    if let mask { fl_softmax_row(x, &y, n, mask) } else { fl_softmax_row(x, &y, n, nil) }
                    var back = [Float](repeating: 0.25, count: n), fresh = [Float](repeating: .nan, count: n)
                    if let mask {
                        fl_softmax_row_backward(g, y, &back, n, mask, 0)
                        fl_softmax_row_backward(g, y, &fresh, n, mask, 1)
                    } else {
                        fl_softmax_row_backward(g, y, &back, n, nil, 0)
                        fl_softmax_row_backward(g, y, &fresh, n, nil, 1)
                    }
                    return y + back + fresh
                }
                #expect(p.map(\.bitPattern) == v.map(\.bitPattern), "n = \(n), masked \(mask != nil)")
                #expect(a.map(\.bitPattern) == v.map(\.bitPattern), "n = \(n), masked \(mask != nil): AVX2 against AVX-512")
                // Against a double-precision softmax over the kept, finite positions.
                let kept = (0..<n).map { mask == nil || mask![$0] == 0 }
                let m = zip(x, kept).filter(\.1).map { Double($0.0) }.max() ?? 0
                let e = (0..<n).map { kept[$0] ? Foundation.exp(Double(x[$0]) - m) : 0 }
                let s = e.reduce(0, +)
                let want = e.map { s > 0 ? $0 / s : 0 }
                #expect(maxAbsoluteDifference(Array(v[0..<n]), want) < 1e-6, "n = \(n)")
                for k in 0..<n where !kept[k] { #expect(v[k] == 0 && v[2 * n + k] == 0 && v[n + k] == 0.25) }
            }
        }
    }

    @Test func layerNormRowsAreTheSameOnBothPathsAndCorrect() {
        for d in [1, 3, 7, 8, 9, 16, 33, 64, 100] {
            var generator = RandomGenerator(seed: UInt64(d))
            let x = Tensor(normal: [d], mean: 2, std: 3, generator: &generator).scalars
            let w = Tensor(normal: [d], mean: 1, std: 0.5, generator: &generator).scalars
            let b = Tensor(normal: [d], mean: 0, std: 0.5, generator: &generator).scalars
            let g = Tensor(normal: [d], mean: 0, std: 1, generator: &generator).scalars
            for affine in 0..<4 {
                let weight = affine & 1 != 0 ? w : nil, bias = affine & 2 != 0 ? b : nil
                let (p, v) = bothPaths { () -> [Float] in
                    var xhat = [Float](repeating: .nan, count: d), y = xhat
                    let rstd = fl_layer_norm_row(x, &xhat, &y, d, weight, bias, 1e-5)
                    var back = [Float](repeating: 0.5, count: d), fresh = [Float](repeating: .nan, count: d)
                    fl_layer_norm_row_backward(g, xhat, rstd, weight, &back, d, 0)
                    fl_layer_norm_row_backward(g, xhat, rstd, weight, &fresh, d, 1)
                    return xhat + y + back + fresh + [rstd]
                }
                #expect(p.map(\.bitPattern) == v.map(\.bitPattern), "d = \(d), affine \(affine)")
                let mean = x.map(Double.init).reduce(0, +) / Double(d)
                let variance = x.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(d)
                let want = (0..<d).map { j in
                    (Double(x[j]) - mean) / (variance + 1e-5).squareRoot() * Double(weight?[j] ?? 1) + Double(bias?[j] ?? 0)
                }
                #expect(maxAbsoluteDifference(Array(v[d..<(2 * d)]), want) < 1e-5, "d = \(d)")
                for j in 0..<d { #expect(v[2 * d + j].bitPattern == (v[3 * d + j] + 0.5).bitPattern) }
            }
        }
    }

    @Test func sumsAreTheSameOnBothPathsAndCorrect() {
        for n in [0, 1, 5, 8, 13, 64, 1000] {
            var generator = RandomGenerator(seed: UInt64(n + 1))
            let x = Tensor(normal: [Swift.max(n, 1)], mean: 1, std: 2, generator: &generator).scalars
            let (p, v) = bothPaths { fl_sum(x, n) }
            #expect(p.bitPattern == v.bitPattern, "n = \(n)")
            let want = x.prefix(n).map(Double.init).reduce(0, +)
            #expect(Swift.abs(Double(v) - want) < 1e-4 * Swift.max(1, Double(n)), "n = \(n)")
        }
    }

    /// A sum taken in pieces (a bias gradient over a batch, a few samples at a time) equals the one
    /// sum of the pieces laid end to end bit for bit, on both paths: pieces of multiples of 8
    /// (the vector path) with a ragged last one, and pieces off the lane boundary (the lane loop).
    @Test func sumInPiecesEqualsOneSum() {
        var generator = RandomGenerator(seed: 77)
        let x = Tensor(normal: [1000], mean: 0.5, std: 2, generator: &generator).scalars
        for pieces in [[1000], [64, 256, 8, 672], [512, 488], [16, 16, 968], [3, 5, 11, 981], [8, 13, 979], [999, 1]] {
            let (p, v) = bothPaths { () -> (Float, Float) in
                var lanes = [Float](repeating: 0, count: 8), offset = 0
                for piece in pieces {
                    x.withUnsafeBufferPointer { fl_sum_continue($0.baseAddress! + offset, piece, offset, &lanes) }
                    offset += piece
                }
                return (fl_sum_total(lanes), fl_sum(x, x.count))
            }
            #expect(p.0.bitPattern == p.1.bitPattern && v.0.bitPattern == v.1.bitPattern && p.0.bitPattern == v.0.bitPattern, "\(pieces)")
        }
    }

    /// Attention blocks with strided rows (heads inside [L, D]), every tail of the key tile, and query
    /// rows in blocks of four with every remainder.
    @Test func attentionBlocksAreTheSameOnBothPathsAndCorrect() {
        for (lq, lk, dh) in [(1, 1, 1), (3, 5, 2), (5, 7, 8), (4, 17, 16), (6, 50, 16), (2, 33, 20), (3, 16, 40), (9, 50, 16), (8, 21, 40), (7, 3, 5)] {
            let d = dh * 2 + 3  // a row stride wider than the head
            var generator = RandomGenerator(seed: UInt64(lq * 100 + lk))
            let q = Tensor(normal: [lq * d], mean: 0, std: 1, generator: &generator).scalars
            let k = Tensor(normal: [lk * d], mean: 0, std: 1, generator: &generator).scalars
            let w = Tensor(normal: [lq * lk], mean: 0, std: 1, generator: &generator).scalars
            let (p, v) = bothPaths { () -> [Float] in
                var scratch = [Float](repeating: .nan, count: fl_attention_scores_scratch(lk, dh))
                var scores = [Float](repeating: 7, count: lq * (lk + 1)), context = [Float](repeating: 7, count: lq * d)
                fl_attention_scores(q, d, k, d, lq, lk, dh, &scores, lk + 1, &scratch)
                fl_attention_context(w, lk, k, d, lq, lk, dh, &context, d)
                return scores + context
            }
            #expect(p.map(\.bitPattern) == v.map(\.bitPattern), "\(lq)×\(lk)×\(dh)")
            for i in 0..<lq {
                for j in 0..<lk {
                    let want = (0..<dh).map { Double(q[i * d + $0]) * Double(k[j * d + $0]) }.reduce(0, +)
                    #expect(Swift.abs(Double(v[i * (lk + 1) + j]) - want) < 1e-5 * Double(dh))
                }
                #expect(v[i * (lk + 1) + lk] == 7, "the row stride's gap is not written")
                for c in 0..<d {
                    let got = v[lq * (lk + 1) + i * d + c]
                    if c >= dh { #expect(got == 7); continue }
                    let want = (0..<lk).map { Double(w[i * lk + $0]) * Double(k[$0 * d + c]) }.reduce(0, +)
                    #expect(Swift.abs(Double(got) - want) < 1e-5 * Double(lk))
                }
            }
        }
    }

    /// Attention weights in one kernel are the scores then a softmax row each, bit for bit, on every
    /// path: keys within one block of 64 (the softmax on the accumulators) and beyond it (scores stored
    /// first), every key tail, head widths off the 16-lane tile, excluded keys and a row with every key
    /// excluded; the row stride's gap is not written.
    @Test func attentionWeightsAreTheScoresThenSoftmaxRows() {
        for (lq, lk, dh) in [(1, 1, 1), (5, 7, 8), (4, 16, 16), (6, 50, 16), (9, 50, 16), (3, 64, 20), (7, 65, 16), (2, 130, 40),
                             (5, 17, 5)] {
            let d = dh * 2 + 3
            var generator = RandomGenerator(seed: UInt64(lq * 1000 + lk))
            let q = Tensor(normal: [lq * d], mean: 0, std: 1, generator: &generator).scalars
            let k = Tensor(normal: [lk * d], mean: 0, std: 1, generator: &generator).scalars
            for excluded in [nil, (0..<lk).map { Float($0 % 3 == 1 ? 1 : 0) }, [Float](repeating: 1, count: lk)] {
                func run(fused: Bool) -> [Float] {
                    var scratch = [Float](repeating: .nan, count: fl_attention_scores_scratch(lk, dh))
                    var y = [Float](repeating: 7, count: lq * (lk + 1))
                    if fused {
                        fl_attention_weights(q, d, k, d, lq, lk, dh, excluded, &y, lk + 1, &scratch)
                    } else {
                        fl_attention_scores(q, d, k, d, lq, lk, dh, &y, lk + 1, &scratch)
                        y.withUnsafeMutableBufferPointer { y in
                            for i in 0..<lq { fl_softmax_row(y.baseAddress! + i * (lk + 1), y.baseAddress! + i * (lk + 1), lk, excluded) }
                        }
                    }
                    return y
                }
                let (portable, native) = bothPaths { (run(fused: true), run(fused: false)) }
                let label = "\(lq)×\(lk)×\(dh), excluded: \(excluded == nil ? "none" : "\(excluded!.reduce(0, +))")"
                #expect(native.0.map(\.bitPattern) == native.1.map(\.bitPattern), "\(label)")
                #expect(portable.0.map(\.bitPattern) == native.1.map(\.bitPattern), "\(label)")
                #expect(portable.1.map(\.bitPattern) == native.1.map(\.bitPattern), "\(label)")
                for i in 0..<lq {
                    let row = native.0[(i * (lk + 1))..<(i * (lk + 1) + lk)]
                    #expect(native.0[i * (lk + 1) + lk] == 7, "the row stride's gap is not written")
                    let kept = (0..<lk).filter { excluded == nil || excluded![$0] == 0 }
                    #expect(Swift.abs(row.reduce(0, +) - (kept.isEmpty ? 0 : 1)) < 1e-5, "\(label)")
                }
            }
        }
    }

    /// Tensor-level results do not depend on the path either.
    @Test func attentionOpsAreTheSameOnBothPaths() {
        var generator = RandomGenerator(seed: 9)
        let scores = Tensor(normal: [3, 2, 5, 13], mean: 0, std: 2, generator: &generator)
        let mask = Tensor((0..<39).map { Float($0 % 4 == 3 ? 1 : 0) }, shape: [3, 13])
        let x = Tensor(normal: [6, 19], mean: 1, std: 2, generator: &generator)
        let w = Tensor(normal: [19], mean: 1, std: 0.3, generator: &generator)
        let (p, v) = bothPaths {
            scores.maskedSoftmax(keyMask: mask).scalars + scores.softmax(axis: -1).scalars
                + x.layerNorm(weight: w, bias: nil).scalars
        }
        #expect(p.map(\.bitPattern) == v.map(\.bitPattern))
    }

    /// Adam's update: both paths give the bits of the rule computed in Swift, operation by
    /// operation (the loop the kernel replaced), at lengths around the 16-lane width, with and
    /// without decay, on moments that start at zero and on large and tiny ones.
    @Test func adamUpdatesAreTheSameOnBothPathsAndCorrect() {
        var g = RandomGenerator(seed: 11)
        for count in [1, 15, 16, 17, 47, 300] {
            let p0 = Tensor(normal: [count], mean: 0, std: 1, generator: &g).scalars
            let grad = Tensor(normal: [count], mean: 0, std: 1e-3, generator: &g).scalars.enumerated().map { $0.offset % 7 == 0 ? 0 : $0.element }
            let m0 = Tensor(normal: [count], mean: 0, std: 1e-2, generator: &g).scalars
            let v0 = m0.enumerated().map { $0.offset % 5 == 0 ? 0 : $0.element * $0.element * ($0.offset % 3 == 0 ? 1e6 : 1e-6) }
            for (decay, l2): (Float, Float) in [(1, 0), (0.999, 0), (1, 0.01)] {
                let (b1, b2, eps, stepSize, correction2): (Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 1e-3 / 0.271, 0.0632)
                var expected = (p: p0, m: m0, v: v0)
                for i in 0..<count {
                    let gi = grad[i] + l2 * expected.p[i]
                    let mi = b1 * expected.m[i] + (1 - b1) * gi
                    let vi = b2 * expected.v[i] + (1 - b2) * gi * gi
                    expected.m[i] = mi
                    expected.v[i] = vi
                    expected.p[i] = expected.p[i] * decay - stepSize * mi / (vi.squareRoot() / correction2 + eps)
                }
                let (portable, native) = bothPaths { () -> [[Float]] in
                    var (p, m, v) = (p0, m0, v0)
                    fl_adam_update(&p, grad, &m, &v, count, b1, b2, eps, stepSize, correction2, decay, l2)
                    return [p, m, v]
                }
                for got in [portable, native] {
                    #expect(got[0].map(\.bitPattern) == expected.p.map(\.bitPattern), "count \(count), decay \(decay), l2 \(l2)")
                    #expect(got[1].map(\.bitPattern) == expected.m.map(\.bitPattern))
                    #expect(got[2].map(\.bitPattern) == expected.v.map(\.bitPattern))
                }
            }
        }
    }
}
