import CKernels

/// 2-D and 1-D convolution as im2col + one GEMM per sample (PyTorch weight layouts:
/// Conv2d `[out, in, kh, kw]`, Conv1d `[out, in, k]`).
public struct ConvGeometry: Sendable, Equatable {
    public var kernel: (h: Int, w: Int)
    public var stride: (h: Int, w: Int)
    public var padding: (h: Int, w: Int)
    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
    public static func == (a: Self, b: Self) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding
    }
    public func outputSize(height: Int, width: Int) -> (h: Int, w: Int) {
        ((height + 2 * padding.h - kernel.h) / stride.h + 1, (width + 2 * padding.w - kernel.w) / stride.w + 1)
    }
}

/// Unfolds one `[C, H, W]` image into `C·kh·kw` rows of `Ho·Wo` columns (zeros where padded);
/// only `rows` (all by default), row `r` starting at `col + (r − rows.lowerBound) * rowStride`.
/// Stride 1 on an AVX-512 CPU runs the C kernel (the same values, by masked vector copies).
func im2col(_ x: UnsafePointer<Float>, channels: Int, height: Int, width: Int, _ g: ConvGeometry, rows: Range<Int>? = nil,
            into col: UnsafeMutablePointer<Float>, rowStride: Int) {
    let kk = g.kernel.h * g.kernel.w, rows = rows ?? 0..<(channels * kk)
    if g.stride == (1, 1) && fl_kernels_use_avx512() != 0 {
        fl_im2col_stride1_avx512(x, height, width, g.kernel.h, g.kernel.w, g.padding.h, g.padding.w, rows.lowerBound,
                                 rows.upperBound, col, rowStride)
        return
    }
    let (ho, wo) = g.outputSize(height: height, width: width)
    // A "same"-width convolution at stride 1 (the 3×3, padding-1 stages): the tap's rows are one run
    // of the input shifted by the tap's column offset, copied at once rather than row by row.
    let sameWidth = g.stride.h == 1 && g.stride.w == 1 && wo == width
    for r in rows {
        let (c, ki, kj) = (r / kk, (r % kk) / g.kernel.w, r % g.kernel.w)
        let plane = x + c * height * width
        let row = col + (r - rows.lowerBound) * rowStride
        if sameWidth {
            im2colSameWidthTap(plane, height: height, width: width, rowOffset: ki - g.padding.h,
                               columnOffset: kj - g.padding.w, outputHeight: ho, into: row)
            continue
        }
        // Output columns whose input column is inside the image: [first, last).
        let offset = kj - g.padding.w
        let first = g.stride.w == 1 ? Swift.min(wo, Swift.max(0, -offset)) : 0
        let last = g.stride.w == 1 ? Swift.max(first, Swift.min(wo, width - offset)) : wo
        for oy in 0..<ho {
            let iy = oy * g.stride.h - g.padding.h + ki
            let dst = row + oy * wo
            if iy < 0 || iy >= height { dst.update(repeating: 0, count: wo); continue }
            let src = plane + iy * width
            if g.stride.w == 1 {
                for ox in 0..<first { dst[ox] = 0 }
                (dst + first).update(from: src + first + offset, count: last - first)
                for ox in last..<wo { dst[ox] = 0 }
            } else {
                for ox in 0..<wo {
                    let ix = ox * g.stride.w + offset
                    dst[ox] = ix >= 0 && ix < width ? src[ix] : 0
                }
            }
        }
    }
}

/// One tap of `im2col` when the output is as wide as the input at stride 1: output row `oy` is
/// input row `oy + rowOffset` shifted by `columnOffset`. The rows inside the image are one copy of
/// the run they span, then the columns the shift wrapped into the neighbouring row are zeroed,
/// as are the output rows above and below the image. Reads stay inside the run.
@inline(__always)
func im2colSameWidthTap(_ plane: UnsafePointer<Float>, height: Int, width w: Int, rowOffset: Int, columnOffset: Int,
                        outputHeight ho: Int, into row: UnsafeMutablePointer<Float>) {
    let oy0 = Swift.min(ho, Swift.max(0, -rowOffset)), oy1 = Swift.max(oy0, Swift.min(ho, height - rowOffset))
    if oy0 > 0 { row.update(repeating: 0, count: oy0 * w) }
    if oy1 < ho { (row + oy1 * w).update(repeating: 0, count: (ho - oy1) * w) }
    guard oy1 > oy0 else { return }
    let dst = row + oy0 * w, src = plane + (oy0 + rowOffset) * w, run = (oy1 - oy0) * w
    // dst[t] = src[t + columnOffset] wherever that index is inside the run.
    let lo = Swift.max(0, -columnOffset), hi = Swift.max(lo, Swift.min(run, run - columnOffset))
    (dst + lo).update(from: src + lo + columnOffset, count: hi - lo)
    // Columns whose input column is outside the image (also covers [0, lo) and [hi, run)).
    let zeroFirst = Swift.min(w, Swift.max(0, -columnOffset)), zeroFrom = Swift.max(0, Swift.min(w, w - columnOffset))
    for r in 0..<(oy1 - oy0) {
        let d = dst + r * w
        for ox in 0..<zeroFirst { d[ox] = 0 }
        for ox in zeroFrom..<w { d[ox] = 0 }
    }
}

/// Folds columns back onto the image, adding overlapping contributions (adjoint of im2col), tap
/// by tap in row order; stride 1 on an AVX-512 CPU in the C kernel (the same additions in the
/// same order).
func col2imAdd(_ col: UnsafePointer<Float>, rowStride: Int, channels: Int, height: Int, width: Int, _ g: ConvGeometry,
               into x: UnsafeMutablePointer<Float>) {
    if g.stride == (1, 1) && fl_kernels_use_avx512() != 0 {
        fl_col2im_add_stride1_avx512(col, rowStride, channels, height, width, g.kernel.h, g.kernel.w, g.padding.h, g.padding.w, x)
        return
    }
    let (ho, wo) = g.outputSize(height: height, width: width)
    for c in 0..<channels {
        let plane = x + c * height * width
        for ki in 0..<g.kernel.h {
            for kj in 0..<g.kernel.w {
                let row = col + ((c * g.kernel.h + ki) * g.kernel.w + kj) * rowStride
                let offset = kj - g.padding.w
                let first = g.stride.w == 1 ? Swift.min(wo, Swift.max(0, -offset)) : 0
                let last = g.stride.w == 1 ? Swift.max(first, Swift.min(wo, width - offset)) : wo
                for oy in 0..<ho {
                    let iy = oy * g.stride.h - g.padding.h + ki
                    if iy < 0 || iy >= height { continue }
                    let src = row + oy * wo, dst = plane + iy * width
                    if g.stride.w == 1 {
                        let d = dst + offset
                        for ox in first..<last { d[ox] += src[ox] }
                    } else {
                        for ox in 0..<wo {
                            let ix = ox * g.stride.w + offset
                            if ix >= 0 && ix < width { dst[ix] += src[ox] }
                        }
                    }
                }
            }
        }
    }
}

/// One sample's convolution: unfold `[C, H, W]` into `columns` (`C·kh·kw` rows of `Ho·Wo`, row `r`
/// at `col + r * columnStride`; the default packs them), multiply into `y` (`[O, Ho·Wo]`), add the
/// bias, then ReLU when `relu`.
@inline(__always)
func convolveSample(_ x: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int, _ geo: ConvGeometry,
                    weight: UnsafePointer<Float>, outputs o: Int, bias: UnsafePointer<Float>?, relu: Bool,
                    columns col: UnsafeMutablePointer<Float>, columnStride: Int? = nil, into y: UnsafeMutablePointer<Float>) {
    let (ho, wo) = geo.outputSize(height: h, width: w)
    let p = ho * wo, ckk = c * geo.kernel.h * geo.kernel.w, ldc = columnStride ?? p
    // Few taps (a 3-channel image's first layer): directly, without unfolding; the same bits.
    if geo.stride == (1, 1) && ckk <= 32 && o % 16 == 0 && GEMMKernel.current == .avx512 && fl_kernels_use_avx512() != 0 {
        fl_conv2d_stride1_avx512(x, c, h, w, geo.kernel.h, geo.kernel.w, geo.padding.h, geo.padding.w, weight, o, bias, y)
        if relu { for i in 0..<(o * p) { y[i] = y[i] > 0 ? y[i] : 0 } }
        return
    }
    im2col(x, channels: c, height: h, width: w, geo, into: col, rowStride: ldc)
    // The bias first, the GEMM adding onto it (as `linear`): OpenBLAS then skips its zeroing pass
    // over y. Its kernel adds a K-block's sum to C in one addition, so while K fits one block (a
    // few hundred; the image encoder's 27–288 do, see ConvolutionTests) the bits are those of adding
    // the bias after.
    if let bias { for ch in 0..<o { (y + ch * p).update(repeating: bias[ch], count: p) } }
    sgemm(transposeA: false, transposeB: false, m: o, n: p, k: ckk, a: weight, lda: ckk, b: col, ldb: ldc,
          beta: bias == nil ? 0 : 1, c: y, ldc: p)
    if relu { for i in 0..<(o * p) { y[i] = y[i] > 0 ? y[i] : 0 } }
}

/// The sizes of `conv2d(x, weight:, bias:, …)`, checked: batch, input channels, height, width,
/// output channels and the geometry (whose output is not empty).
func checkedConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int))
    -> (n: Int, c: Int, h: Int, w: Int, o: Int, geo: ConvGeometry) {
    precondition(x.rank == 4 && weight.rank == 4, "conv2d wants [N, C, H, W] and [O, C, kh, kw], got \(x.shape) and \(weight.shape)")
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
    precondition(weight.shape[1] == c, "conv2d weight has \(weight.shape[1]) input channels, input has \(c)")
    if let bias { precondition(bias.shape == [o], "conv2d bias \(bias.shape) for \(o) output channels") }
    let geo = ConvGeometry(kernel: (kh, kw), stride: stride, padding: padding)
    let (ho, wo) = geo.outputSize(height: h, width: w)
    precondition(ho > 0 && wo > 0, "conv2d output would be empty: input \(h)×\(w), kernel \(kh)×\(kw)")
    return (n, c, h, w, o, geo)
}

/// A row stride for a matrix of `columns` floats a row that a GEMM reads down its columns:
/// rounded up to whole cache lines, then an odd number of them. At a power of two (the batch's
/// `N·Ho·Wo`, a 32×32 map's 1,024) the rows fall in one cache set and a K×32 panel read down
/// them misses on every row; an odd line count spreads them over all sets.
func cacheSpreadStride(_ columns: Int) -> Int {
    let lines = (columns + 15) / 16
    return 16 * (lines % 2 == 0 ? lines + 1 : lines)
}

/// `[N, C, H, W]` ⊛ `[O, C, kh, kw]` (+ bias `[O]`) → `[N, O, Ho, Wo]`, then ReLU when `relu`.
///
/// One GEMM per sample (`[O, CKK] · [CKK, Ho·Wo]`, written straight into NCHW), with the samples
/// split over threads and OpenBLAS single-threaded inside: unfold, multiply, bias and ReLU of a
/// sample stay in cache, and no thread hand-off happens per GEMM. The fused ReLU does the
/// arithmetic of `conv2d(…).relu()` in the same order (same bits) without a second pass or
/// buffer. The unfolded columns live in one cache-sized buffer per thread and are not kept:
/// the backward unfolds the input again (`convolutionBackward`).
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                   relu: Bool = false) -> Tensor {
    let (n, c, h, w, o, geo) = checkedConvolution(x, weight: weight, bias: bias, stride: stride, padding: padding)
    let (ho, wo) = geo.outputSize(height: h, width: w)
    let p = ho * wo, ckk = c * geo.kernel.h * geo.kernel.w, imageSize = c * h * w
    let out = Tensor(uninitializedShape: [n, o, ho, wo])
    let px = x.pointer, pw = weight.pointer, po = out.pointer, pb = bias?.pointer
    // Samples per thread so that a chunk does at least ~64k multiply-adds.
    let samplesPerThread = max(1, 65_536 / max(o * ckk * p, 1))
    parallelChunksWithSerialBLAS(n, minimumPerThread: samplesPerThread) { start, end in
        let ldc = cacheSpreadStride(p), scratch = Storage(count: ckk * ldc)
        for s in start..<end {
            convolveSample(px + s * imageSize, channels: c, height: h, width: w, geo, weight: pw, outputs: o, bias: pb,
                           relu: relu, columns: scratch.pointer, columnStride: ldc, into: po + s * o * p)
        }
    }
    let recordsGraph = GradientMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    guard recordsGraph else { return out }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    let outputValues = out.storage  // for the ReLU mask; the storage, not the tensor: no reference cycle
    return out.recording(inputs) { g in
        // Each sample's output gradient through the fused ReLU (the gradient where the output was
        // positive, as `relu()`'s backward) when there is one.
        let pg = g.pointer, py = outputValues.pointer
        convolutionBackward(x, weight: weight, bias: bias, n: n, c: c, h: h, w: w, o: o, geo: geo) { s, channels, into, rowStride in
            for ch in channels {
                let src = pg + (s * o + ch) * p, dst = into + (ch - channels.lowerBound) * rowStride
                if relu {
                    let y = py + (s * o + ch) * p
                    for i in 0..<p { dst[i] = src[i] * (y[i] > 0 ? 1 : 0) }
                } else {
                    dst.update(from: src, count: p)
                }
            }
        }
    }
}

/// `[N, C, L]` ⊛ `[O, C, k]` (+ bias `[O]`) → `[N, O, Lo]`, through the 2-D path with height 1.
public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, relu: Bool = false) -> Tensor {
    precondition(x.rank == 3 && weight.rank == 3, "conv1d wants [N, C, L] and [O, C, k], got \(x.shape) and \(weight.shape)")
    let y = conv2d(x.unsqueezed(2), weight: weight.unsqueezed(2), bias: bias, stride: (1, stride), padding: (0, padding), relu: relu)
    return y.squeezed(2)
}
