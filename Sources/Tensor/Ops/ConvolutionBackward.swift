import CKernels

/// The gradients of a convolution from `dOut`, laid out with the batch side by side (`[O, N·P]`,
/// sample `s` in columns `s·P ..< (s+1)·P`, rows `rowStride` apart).
///
/// The weight gradient is `dOut · columnsᵀ` over the whole batch (K = N·P; the threads split its
/// columns, each running single-threaded GEMMs: OpenBLAS's own threads would meet once per block
/// of K, which a busy machine turns into waits). The columns are not kept from the forward pass:
/// each thread unfolds its rows of a few samples at a time into a cache-sized buffer and adds
/// their product (`weightGradientSamplesPerProduct`), so the batch's column matrix (tens of MB)
/// is never written or read back from memory. The bias gradient is one 8-lane sum per channel;
/// the input gradient goes sample by sample (`Wᵀ · dOut_s`, in cache, folded back).
func convolutionBackward(_ x: Tensor, weight: Tensor, bias: Tensor?, n: Int, c: Int, h: Int, w: Int, o: Int, geo: ConvGeometry,
                         dOut pd: UnsafePointer<Float>, rowStride ld: Int) {
    let (ho, wo) = geo.outputSize(height: h, width: w)
    let p = ho * wo, np = n * p, ckk = c * geo.kernel.h * geo.kernel.w, imageSize = c * h * w
    if weight.requiresGrad {
        let (gw, isNew) = weight.gradStorageForAccumulation()
        let px = x.pointer
        parallelChunksWithSerialBLAS(ckk, minimumPerThread: max(1, 16_384 / max(o * np, 1))) { start, end in
            let rows = end - start
            let samples = weightGradientSamplesPerProduct(samples: n, positions: p, rows: rows)
            let ldc = cacheSpreadStride(samples * p), columns = Storage(count: rows * ldc)
            for first in stride(from: 0, to: n, by: samples) {
                let last = min(n, first + samples)
                for s in first..<last {
                    im2col(px + s * imageSize, channels: c, height: h, width: w, geo, rows: start..<end,
                           into: columns.pointer + (s - first) * p, rowStride: ldc)
                }
                sgemm(transposeA: false, transposeB: true, m: o, n: rows, k: (last - first) * p, a: pd + first * p, lda: ld,
                      b: columns.pointer, ldb: ldc, beta: first == 0 && isNew ? 0 : 1, c: gw + start, ldc: ckk)
            }
        }
    }
    if let bias, bias.requiresGrad {
        let gb = bias.gradStorage()
        parallelChunks(o, minimumPerThread: max(1, 65_536 / max(np, 1))) { start, end in
            for ch in start..<end { gb[ch] += fl_sum(pd + ch * ld, np) }
        }
    }
    guard x.requiresGrad else { return }
    // Each sample's dcols go to one cache-sized buffer per thread, folded back while hot (written
    // over the batch's columns instead, they cost a cold write and read of the whole matrix).
    let gx = x.gradStorage(), pw = weight.pointer
    parallelChunksWithSerialBLAS(n, minimumPerThread: max(1, 65_536 / max(o * ckk * p, 1))) { start, end in
        let dcol = Storage(count: ckk * p)
        for s in start..<end {
            sgemm(transposeA: true, transposeB: false, m: ckk, n: p, k: o, a: pw, lda: ckk, b: pd + s * p, ldb: ld,
                  beta: 0, c: dcol.pointer, ldc: p)
            col2imAdd(dcol.pointer, rowStride: p, channels: c, height: h, width: w, geo, into: gx + s * imageSize)
        }
    }
}

/// How many samples' columns one weight-gradient product takes: enough for about 64k floats of
/// `rows` unfolded rows (256 KB, held in L2 while the GEMM packs them), in whole multiples of the
/// AVX-512 GEMM's K block, so that adding the products one after another gives the bits of one
/// product over the batch (see FL_GEMM_AVX512_K_BLOCK). OpenBLAS blocks K its own way: there the
/// whole batch is one product, as before.
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
