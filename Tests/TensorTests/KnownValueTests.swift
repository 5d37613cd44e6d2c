import Testing
import Tensor
import TestSupport

/// Ops against values computed by hand or by a direct (slow, obvious) implementation.
@Suite struct KnownValueTests {
    @Test func softmaxOfLargeLogitsIsFiniteAndExact() {
        let x = Tensor([1000, 1001, 1002, -1000, 0, 1000], shape: [2, 3])
        let y = x.softmax(axis: 1).scalars
        let e = [Float(1), Float(M_E_f), Float(M_E_f * M_E_f)]
        let s = e.reduce(0, +)
        for i in 0..<3 { #expect(Swift.abs(y[i] - e[i] / s) < 1e-6) }
        #expect(y[3] == 0 && Swift.abs(y[4]) < 1e-30 && Swift.abs(y[5] - 1) < 1e-6)
        let ls = x.logSoftmax(axis: 1).scalars
        #expect(ls.allSatisfy { $0.isFinite })
        #expect(Swift.abs(ls[5]) < 1e-6 && Swift.abs(ls[3] + 2000) < 1e-3)
    }

    @Test func fullyMaskedSoftmaxRowIsZeroNotNaN() {
        let x = Tensor(repeating: -.infinity, shape: [1, 4])
        #expect(x.softmax().scalars == [0, 0, 0, 0])
    }

    @Test func layerNormStatistics() {
        var g = RandomGenerator(seed: 5)
        let x = Tensor(normal: [7, 32], mean: 3, std: 4, generator: &g)
        let y = x.layerNorm(weight: nil, bias: nil, eps: 0)
        for r in 0..<7 {
            let row = (0..<32).map { Double(y[r, $0]) }
            let mean = row.reduce(0, +) / 32
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 32
            #expect(Swift.abs(mean) < 1e-5)
            #expect(Swift.abs(variance - 1) < 1e-4)
        }
        let w = Tensor(repeating: 2, shape: [32]), b = Tensor(repeating: -1, shape: [32])
        let z = x.layerNorm(weight: w, bias: b, eps: 0)
        #expect(zip(z.scalars, y.scalars).allSatisfy { Swift.abs($0 - (2 * $1 - 1)) < 1e-5 })
    }

    @Test func conv2dMatchesDirectLoop() {
        var g = RandomGenerator(seed: 6)
        let x = Tensor(normal: [2, 3, 7, 6], generator: &g)
        let w = Tensor(normal: [4, 3, 3, 2], generator: &g)
        let b = Tensor(normal: [4], generator: &g)
        for (stride, padding) in [((1, 1), (0, 0)), ((2, 1), (1, 2)), ((2, 3), (2, 1))] {
            let y = conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
            let ho = (7 + 2 * padding.0 - 3) / stride.0 + 1, wo = (6 + 2 * padding.1 - 2) / stride.1 + 1
            #expect(y.shape == [2, 4, ho, wo])
            for n in 0..<2 { for o in 0..<4 { for i in 0..<ho { for j in 0..<wo {
                var s = Double(b[o])
                for c in 0..<3 { for ki in 0..<3 { for kj in 0..<2 {
                    let iy = i * stride.0 - padding.0 + ki, ix = j * stride.1 - padding.1 + kj
                    if iy >= 0 && iy < 7 && ix >= 0 && ix < 6 { s += Double(x[n, c, iy, ix]) * Double(w[o, c, ki, kj]) }
                } } }
                #expect(Swift.abs(Double(y[n, o, i, j]) - s) < 1e-4)
            } } } }
        }
    }

    /// Stride-1 convolutions as wide as their input (im2col's one-copy-per-tap path), against the
    /// direct sum: 3×3 with padding 1 and 2 rows, 1×5 with padding 2 (shifts of ±2), a height of 1.
    @Test func sameWidthConvolutionMatchesDirectLoop() {
        var g = RandomGenerator(seed: 8)
        for (h, w, kh, kw, ph, pw) in [(7, 6, 3, 3, 1, 1), (5, 4, 3, 3, 2, 1), (4, 9, 1, 5, 0, 2), (1, 8, 1, 3, 0, 1), (3, 3, 3, 3, 1, 1)] {
            let x = Tensor(normal: [2, 3, h, w], generator: &g), k = Tensor(normal: [4, 3, kh, kw], generator: &g)
            let y = conv2d(x, weight: k, bias: nil, padding: (ph, pw))
            let ho = h + 2 * ph - kh + 1
            #expect(y.shape == [2, 4, ho, w])
            for n in 0..<2 { for o in 0..<4 { for i in 0..<ho { for j in 0..<w {
                var s = 0.0
                for c in 0..<3 { for ki in 0..<kh { for kj in 0..<kw {
                    let iy = i - ph + ki, ix = j - pw + kj
                    if iy >= 0 && iy < h && ix >= 0 && ix < w { s += Double(x[n, c, iy, ix]) * Double(k[o, c, ki, kj]) }
                } } }
                #expect(Swift.abs(Double(y[n, o, i, j]) - s) < 1e-4, "\(h)×\(w), kernel \(kh)×\(kw)")
            } } } }
        }
    }

    @Test func matmulMatchesDirectLoop() {
        var g = RandomGenerator(seed: 7)
        let a = Tensor(normal: [3, 5, 4], generator: &g), b = Tensor(normal: [3, 4, 2], generator: &g)
        let c = matmul(a, b)
        for n in 0..<3 { for i in 0..<5 { for j in 0..<2 {
            let s = (0..<4).reduce(0.0) { $0 + Double(a[n, i, $1]) * Double(b[n, $1, j]) }
            #expect(Swift.abs(Double(c[n, i, j]) - s) < 1e-5)
        } } }
    }

    @Test func poolingValues() {
        let x = Tensor((0..<16).map(Float.init), shape: [1, 1, 4, 4])
        #expect(x.maxPool2d(kernel: (2, 2)).scalars == [5, 7, 13, 15])
        #expect(x.avgPool2d(kernel: (2, 2)).scalars == [2.5, 4.5, 10.5, 12.5])
        // Padding counts as zero in the average (count_include_pad) and never wins the max.
        let padded = (x + 1).avgPool2d(kernel: (2, 2), stride: (2, 2), padding: (1, 1)).scalars
        #expect(padded[0] == Float(1) / 4 && padded[1] == Float(2 + 3) / 4)
        #expect((-x).maxPool2d(kernel: (2, 2), stride: (2, 2), padding: (1, 1)).scalars.first == 0)
        #expect(x.globalAvgPool2d().scalars == [7.5])
    }

    @Test func broadcastingShapesAndValues() {
        let a = Tensor([1, 2, 3], shape: [3, 1]), b = Tensor([10, 20], shape: [2])
        let c = a + b
        #expect(c.shape == [3, 2])
        #expect(c.scalars == [11, 21, 12, 22, 13, 23])
        #expect((a * b).sum(axis: 0).scalars == [60, 120])
    }

    @Test func dropoutKeepsExpectationAndRate() {
        var g = RandomGenerator(seed: 8)
        let x = Tensor(ones: [100_000])
        let y = x.dropout(probability: 0.25, generator: &g)
        let zeros = y.scalars.filter { $0 == 0 }.count
        #expect(Swift.abs(Double(zeros) / 100_000 - 0.25) < 0.01)
        #expect(Swift.abs(y.mean().item - 1) < 0.01)
        #expect(y.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 4.0 / 3.0) < 1e-6 })
    }
}

private let M_E_f: Float = 2.7182817
