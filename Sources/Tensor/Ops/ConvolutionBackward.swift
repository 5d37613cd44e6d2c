import CKernels

/// Writes one sample's output gradient for a convolution's backward: rows `channels` of its `O`
/// rows of `P` values, channel `ch` at `into + (ch − channels.lowerBound) * rowStride` (the op's own
/// gradient: a copy through the ReLU's mask, or the pooled gradient scattered to the windows' maxima).
typealias ConvolutionOutputGradient = (_ sample: Int, _ channels: Range<Int>, _ into: UnsafeMutablePointer<Float>,
                                       _ rowStride: Int) -> Void

/// The gradients of a convolution, from each sample's output gradient (`dOut_s`, written on demand
/// by `outputGradient`, never for the whole batch at once: at batch 128 that is 4–8 MB a stage,
/// written and read back from memory three times).
///
/// The weight gradient is `dOut · columnsᵀ` over the whole batch (K = N·P). The threads split its
/// columns (or, when they fit one 32-wide panel of the GEMM, as for a 3-channel image, its rows:
/// splitting the panel would not shorten it), each running single-threaded GEMMs (OpenBLAS's own
/// threads would meet once per block of K, which a busy machine turns into waits). Neither operand
/// is kept from the forward pass: each thread writes a few samples' `dOut` and unfolds their input
/// into cache-sized buffers, then adds their product (`weightGradientSamplesPerProduct`: the bits
/// of one product over the batch). The bias gradient is each channel's 8-lane sum over the batch,
/// taken piece by piece alongside (the bits of `fl_sum` over the channel's `N·P` values). The input
/// gradient goes sample by sample (`Wᵀ · dOut_s`, in cache, folded back).
func convolutionBackward(_ x: Tensor, weight: Tensor, bias: Tensor?, n: Int, c: Int, h: Int, w: Int, o: Int, geo: ConvGeometry,
                         outputGradient: ConvolutionOutputGradient) {
    let (ho, wo) = geo.outputSize(height: h, width: w)
    let p = ho * wo, ckk = c * geo.kernel.h * geo.kernel.w, imageSize = c * h * w
    let px = x.pointer, pw = weight.pointer
    let biasGradient = bias.flatMap { $0.requiresGrad ? $0.gradStorage() : nil }
    if weight.requiresGrad || biasGradient != nil {
        let weightGradient = weight.requiresGrad ? weight.gradStorageForAccumulation() : nil
        // By output channels only on the AVX-512 GEMM, whose values do not depend on how C's rows are
        // split (OpenBLAS's edge kernels may sum in another order).
        let byChannels = weightGradient != nil && ckk <= 32 && o >= 16 && o % 8 == 0 && GEMMKernel.current == .avx512
        let units = weightGradient == nil ? 1 : byChannels ? o / 8 : ckk
        parallelChunksWithSerialBLAS(units, minimumPerThread: byChannels ? 1 : max(1, 16_384 / max(o * n * p, 1))) { start, end in
            let channels = byChannels ? (8 * start)..<(8 * end) : 0..<o
            let columns = weightGradient == nil ? 0..<0 : byChannels ? 0..<ckk : start..<end
            let samples = weightGradientSamplesPerProduct(samples: n, positions: p, rows: columns.count + channels.count)
            let ld = cacheSpreadStride(samples * p)
            let unfolded = Storage(count: max(columns.count, 1) * ld), gradient = Storage(count: channels.count * ld)
            // The bias's 8 lanes a channel, on the thread(s) with the first columns.
            let lanes = columns.lowerBound == 0 ? biasGradient.map { _ in Storage(zeros: 8 * channels.count) } : nil
            // A thread's columns of the weight gradient as rows (`dWᵀ = columns · dOutᵀ`) when they outnumber the
            // channels: the GEMM then packs the thread's dOut rather than its larger unfolded input, and its 8-row
            // tiles fall on the thread's columns. Each element is the same fma chain over k (a·b = b·a in an fma), so
            // the bits are those of `dOut · columnsᵀ`; a gradient being added to starts from its current values.
            let transposed = weightGradient.flatMap { gw, isNew -> Storage? in
                guard !byChannels && GEMMKernel.current == .avx512 && columns.count > o else { return nil }
                let t = Storage(count: columns.count * o)
                if !isNew {
                    for (j, column) in columns.enumerated() { for ch in 0..<o { t.pointer[j * o + ch] = gw[ch * ckk + column] } }
                }
                return t
            }
            for first in stride(from: 0, to: n, by: samples) {
                let last = min(n, first + samples), k = (last - first) * p
                for s in first..<last { outputGradient(s, channels, gradient.pointer + (s - first) * p, ld) }
                if let lanes {
                    for j in 0..<channels.count { fl_sum_continue(gradient.pointer + j * ld, k, first * p, lanes.pointer + 8 * j) }
                }
                guard let (gw, isNew) = weightGradient else { continue }
                for s in first..<last {
                    im2col(px + s * imageSize, channels: c, height: h, width: w, geo, rows: columns,
                           into: unfolded.pointer + (s - first) * p, rowStride: ld)
                }
                let beta: Float = first == 0 && isNew ? 0 : 1
                if let transposed {
                    sgemm(transposeA: false, transposeB: true, m: columns.count, n: o, k: k, a: unfolded.pointer, lda: ld,
                          b: gradient.pointer, ldb: ld, beta: beta, c: transposed.pointer, ldc: o)
                } else {
                    sgemm(transposeA: false, transposeB: true, m: channels.count, n: columns.count, k: k, a: gradient.pointer, lda: ld,
                          b: unfolded.pointer, ldb: ld, beta: beta, c: gw + channels.lowerBound * ckk + columns.lowerBound, ldc: ckk)
                }
            }
            if let transposed, let (gw, _) = weightGradient {
                for (j, column) in columns.enumerated() {
                    for ch in 0..<o { gw[ch * ckk + column] = transposed.pointer[j * o + ch] }
                }
            }
            if let lanes, let gb = biasGradient {
                for (j, ch) in channels.enumerated() { gb[ch] += fl_sum_total(lanes.pointer + 8 * j) }
            }
        }
    }
    guard x.requiresGrad else { return }
    // Each sample's dcols go to one cache-sized buffer per thread, folded back while hot.
    let gx = x.gradStorage()
    parallelChunksWithSerialBLAS(n, minimumPerThread: max(1, 65_536 / max(o * ckk * p, 1))) { start, end in
        let dcol = Storage(count: ckk * p), gradient = Storage(count: o * p)
        for s in start..<end {
            outputGradient(s, 0..<o, gradient.pointer, p)
            sgemm(transposeA: true, transposeB: false, m: ckk, n: p, k: o, a: pw, lda: ckk, b: gradient.pointer, ldb: p,
                  beta: 0, c: dcol.pointer, ldc: p)
            col2imAdd(dcol.pointer, rowStride: p, channels: c, height: h, width: w, geo, into: gx + s * imageSize)
        }
    }
}

/// How many samples one weight-gradient product takes: enough for about 64k floats of `rows`
/// buffered rows (256 KB, held in L2 while the GEMM packs them), in whole multiples of the AVX-512
/// GEMM's K block, so that adding the products one after another gives the bits of one product
/// over the batch (see FL_GEMM_AVX512_K_BLOCK). OpenBLAS blocks K its own way: there the whole
/// batch is one product, as before.
func weightGradientSamplesPerProduct(samples n: Int, positions p: Int, rows: Int) -> Int {
    guard GEMMKernel.current == .avx512 else { return n }
    let block = Int(FL_GEMM_AVX512_K_BLOCK)
    // The fewest samples whose positions fill whole K blocks: block / gcd(p, block).
    var a = p, b = block
    while b != 0 { (a, b) = (b, a % b) }
    let aligned = block / a
    let wanted = max(1, 65_536 / max(rows * p * aligned, 1)) * aligned
    return min(n, wanted)
}
