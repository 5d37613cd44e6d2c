import CKernels
import Testing
import Tensor
import TestSupport

/// The convolution's unfold kernels (im2col, col2im; AVX-512 at stride 1) and its weight gradient
/// built from products over a few samples at a time.
@Suite(.serialized) struct UnfoldKernelTests {
    /// (channels, height, width, kernel, padding, stride): the image encoder's three stages, flat
    /// maps (width dividing 16) with and without padding, rows of one and several runs of 16 with
    /// a ragged end, a kernel larger than the padded image's border, padding past the kernel's
    /// reach, a 1-D convolution, and a stride of 2 (the portable path on either side).
    static let geometries: [(c: Int, h: Int, w: Int, k: (Int, Int), pad: (Int, Int), stride: (Int, Int))] = [
        (3, 32, 32, (3, 3), (1, 1), (1, 1)), (16, 16, 16, (3, 3), (1, 1), (1, 1)), (32, 8, 8, (3, 3), (1, 1), (1, 1)),
        (2, 4, 4, (3, 3), (1, 1), (1, 1)), (2, 2, 2, (3, 3), (1, 1), (1, 1)), (3, 5, 7, (3, 3), (1, 1), (1, 1)),
        (2, 9, 37, (5, 3), (2, 1), (1, 1)), (1, 3, 40, (3, 5), (0, 2), (1, 1)), (2, 6, 6, (3, 3), (0, 0), (1, 1)),
        (1, 3, 3, (5, 5), (2, 2), (1, 1)), (2, 4, 8, (3, 3), (3, 2), (1, 1)), (1, 1, 20, (1, 5), (0, 2), (1, 1)),
        (2, 8, 8, (3, 3), (1, 1), (2, 2)),
    ]

    /// Forward and every gradient of a convolution (and of the fused convolution, ReLU and 2×2 pool
    /// where the output allows it) on one path.
    private func convolutionResults(_ g: (c: Int, h: Int, w: Int, k: (Int, Int), pad: (Int, Int), stride: (Int, Int)),
                                    seed: UInt64) -> [[Float]] {
        let x = randomInput([3, g.c, g.h, g.w], seed: seed), w = randomInput([4, g.c, g.k.0, g.k.1], seed: seed + 1, scale: 0.3)
        let b = randomInput([4], seed: seed + 2)
        let y = conv2d(x, weight: w, bias: b, stride: g.stride, padding: g.pad, relu: true)
        (y * y).sum().backward()
        var results = [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
        if y.shape[2] >= 2 && y.shape[3] >= 2 {
            for t in [x, w, b] { t.zeroGrad() }
            let pooled = conv2dReLUMaxPool2x2(x, weight: w, bias: b, stride: g.stride, padding: g.pad)
            (pooled * pooled).sum().backward()
            results += [pooled.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
            results.append(withoutGradients { conv2dReLUMaxPool2x2(x, weight: w, bias: b, stride: g.stride, padding: g.pad) }.scalars)
        }
        return results
    }

    @Test func avx512UnfoldGivesThePortableBits() {
        for (i, g) in Self.geometries.enumerated() {
            fl_kernels_force_portable(1)
            let portable = convolutionResults(g, seed: UInt64(10 * i))
            fl_kernels_force_portable(0)
            let native = convolutionResults(g, seed: UInt64(10 * i))
            #expect(portable == native, "\(g)")
        }
    }

    /// A convolution with few taps and outputs in multiples of 16 runs directly (no unfold) on an
    /// AVX-512 CPU: the bits of the unfold and GEMM, with and without bias and ReLU, pooled too.
    @Test func directConvolutionGivesTheBitsOfTheGEMM() {
        for (i, (c, h, w, k, pad, o)) in [(3, 32, 32, (3, 3), (1, 1), 16), (2, 5, 7, (3, 3), (1, 1), 32), (1, 20, 33, (3, 5), (1, 2), 16),
                                         (3, 4, 4, (3, 3), (0, 0), 16), (3, 9, 18, (3, 3), (2, 2), 16)].enumerated() {
            let x = randomInput([2, c, h, w], seed: UInt64(60 + i)), weight = randomInput([o, c, k.0, k.1], seed: 70, scale: 0.3)
            let bias = randomInput([o], seed: 71)
            func results() -> [[Float]] {
                withoutGradients {
                    var r = [conv2d(x, weight: weight, bias: bias, padding: pad).scalars,
                             conv2d(x, weight: weight, bias: nil, padding: pad, relu: true).scalars]
                    if (h + 2 * pad.0 - k.0) >= 1 && (w + 2 * pad.1 - k.1) >= 1 {
                        r.append(conv2dReLUMaxPool2x2(x, weight: weight, bias: bias, padding: pad).scalars)
                    }
                    return r
                }
            }
            fl_kernels_force_portable(1)
            let unfolded = results()
            fl_kernels_force_portable(0)
            #expect(results() == unfolded, "\(c)×\(h)×\(w), kernel \(k), padding \(pad) → \(o)")
        }
    }

    @Test func unfoldedConvolutionGradients() throws {
        for g in Self.geometries where g.c * g.h * g.w <= 200 {
            let x = randomInput([2, g.c, g.h, g.w], seed: 5), w = randomInput([3, g.c, g.k.0, g.k.1], seed: 6, scale: 0.3)
            let b = randomInput([3], seed: 7)
            try checkGradients(of: [x, w, b], epsilon: 1e-3, maxElementsPerInput: 60) {
                conv2d(x, weight: w, bias: b, stride: g.stride, padding: g.pad)
            }
        }
    }

    /// A frozen weight: only the bias and input gradients are taken (the bias's sums then run
    /// without the weight's products), for the convolution and the fused convolution, ReLU and pool.
    @Test func frozenWeightGradients() throws {
        var g = RandomGenerator(seed: 8)
        let x = randomInput([5, 2, 6, 6], seed: 9), b = randomInput([3], seed: 10)
        let w = Tensor(normal: [3, 2, 3, 3], std: 0.3, generator: &g)
        try checkGradients(of: [x, b], epsilon: 1e-3, maxElementsPerInput: 60) { conv2d(x, weight: w, bias: b, padding: (1, 1), relu: true) }
        try checkGradients(of: [x, b], epsilon: 1e-3, maxElementsPerInput: 60) { conv2dReLUMaxPool2x2(x, weight: w, bias: b, padding: (1, 1)) }
        #expect(w.grad == nil)
    }

    /// The weight gradient, built from products over a few samples' columns at a time, equals one
    /// AVX-512 product `dOut · columnsᵀ` over the whole batch bit for bit, and the bias gradient one
    /// `fl_sum` per channel: batches of 200 8×8 maps and 24 32×32 maps take several products per
    /// thread; 16 outputs of 18 columns (one GEMM panel) split the outputs between threads.
    @Test(.enabled(if: fl_gemm_avx512_supported() != 0 && GEMMKernel.current == .avx512))
    func weightGradientInProductsGivesTheBitsOfOneProduct() {
        var generator = RandomGenerator(seed: 23)
        for (n, c, side, o) in [(200, 3, 8, 4), (24, 2, 32, 4), (24, 2, 32, 16), (9, 5, 5, 4), (40, 3, 16, 24)] {
            let x = randomInput([n, c, side, side], seed: 21), w = randomInput([o, c, 3, 3], seed: 22, scale: 0.3)
            let b = randomInput([o], seed: 24)
            let y = conv2d(x, weight: w, bias: b, padding: (1, 1))
            let gradient = Tensor(normal: y.shape, generator: &generator)
            (y * gradient).sum().backward()
            // The batch's columns [C·9, N·P] and dOut [O, N·P] by direct loops, then one product.
            let p = side * side, np = n * p, ckk = c * 9
            var columns = [Float](repeating: 0, count: ckk * np), dOut = [Float](repeating: 0, count: o * np)
            let xs = x.scalars, gs = gradient.scalars
            for s in 0..<n { for ch in 0..<c { for ki in 0..<3 { for kj in 0..<3 { for oy in 0..<side { for ox in 0..<side {
                let iy = oy + ki - 1, ix = ox + kj - 1
                let inside = iy >= 0 && iy < side && ix >= 0 && ix < side
                columns[((ch * 3 + ki) * 3 + kj) * np + s * p + oy * side + ox] = inside ? xs[((s * c + ch) * side + iy) * side + ix] : 0
            } } } } } }
            for s in 0..<n { for k in 0..<o { for q in 0..<p { dOut[k * np + s * p + q] = gs[(s * o + k) * p + q] } } }
            var expected = [Float](repeating: 0, count: o * ckk)
            fl_sgemm_avx512(0, 1, o, ckk, np, 1, dOut, np, columns, np, 0, &expected, ckk)
            #expect(w.grad!.scalars == expected, "\(n) × \(c)×\(side)×\(side) → \(o)")
            // The bias gradient, summed in pieces alongside: one 8-lane sum of each channel's N·P values.
            #expect(b.grad!.scalars == (0..<o).map { k in dOut.withUnsafeBufferPointer { fl_sum($0.baseAddress! + k * np, np) } })
        }
    }
}
