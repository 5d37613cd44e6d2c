import CKernels
import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Row-major `C = alpha * op(A) op(B) + beta * C`: FusionLab's AVX-512 kernel where the CPU runs
/// it (`GEMMKernel`), OpenBLAS elsewhere.
@inline(__always)
public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if GEMMKernel.current == .avx512 {
        sgemmAVX512(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                    beta: beta, c: c, ldc: ldc)
        return
    }
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Which kernel `sgemm` runs. On a CPU with AVX-512 FusionLab's own: a BLAS that does not know
/// the CPU (Debian's OpenBLAS 0.3.21 on AMD Zen 5, pinned to its AVX2 kernels here) runs sgemm
/// at about half the speed the core can. `FUSIONLAB_GEMM=openblas` keeps OpenBLAS everywhere.
/// The two give different last bits; each gives the same bits for any thread count.
public enum GEMMKernel: String, Sendable {
    case openBLAS = "openblas", avx512

    public static let current: GEMMKernel = {
        if let chosen = getenv("FUSIONLAB_GEMM"), String(cString: chosen) == "openblas" { return .openBLAS }
        return fl_gemm_avx512_supported() != 0 ? .avx512 : .openBLAS
    }()
}

/// The AVX-512 GEMM, split between threads when it is large and OpenBLAS would have split it
/// (not inside `parallelChunksWithSerialBLAS`): by rows of C, or by columns when C is wide.
/// Every element is computed alike whatever the split, so results do not depend on threads.
func sgemmAVX512(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let ta: Int32 = transposeA ? 1 : 0, tb: Int32 = transposeB ? 1 : 0
    guard openblas_get_num_threads() > 1, m * n * k >= 1 << 20 else {
        fl_sgemm_avx512(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    }
    if m >= n {
        parallelChunks(m, minimumPerThread: 32) { start, end in
            fl_sgemm_avx512(ta, tb, end - start, n, k, alpha, transposeA ? a + start : a + start * lda, lda, b, ldb, beta,
                            c + start * ldc, ldc)
        }
    } else {
        parallelChunks(n, minimumPerThread: 32) { start, end in
            fl_sgemm_avx512(ta, tb, m, end - start, k, alpha, a, lda, transposeB ? b + start * ldb : b + start, ldb, beta,
                            c + start, ldc)
        }
    }
}

/// Matrix product over the last two dimensions, batched over the leading ones.
/// `b` is either batched like `a` or a single matrix shared by the batch (a weight).
/// Transposes are passed to BLAS as flags, never materialised.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices: \(a.shape) × \(b.shape)")
    let ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1]
    let br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1]
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (kb, n) = transposeB ? (bc, br) : (br, bc)
    precondition(k == kb, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") × \(b.shape)\(transposeB ? "ᵀ" : "")")
    let batchShape = Array(a.shape.dropLast(2))
    let batch = batchShape.reduce(1, *)
    let sharedB = b.rank == 2
    precondition(sharedB || Array(b.shape.dropLast(2)) == batchShape, "matmul batch dimensions differ: \(a.shape) × \(b.shape)")
    let out = Tensor(uninitializedShape: batchShape + [m, n])
    let lda = ac, ldb = bc
    let strideA = ar * ac, strideB = sharedB ? 0 : br * bc, strideC = m * n
    // A shared weight with an untransposed batch folds the batch into M: one large GEMM.
    let fold = sharedB && !transposeA
    // Batch entries per thread: at least ~32k multiply-adds each.
    let perThread = max(1, 32_768 / max(m * n * k, 1))
    if fold {
        sgemm(transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: k, a: a.pointer, lda: lda,
              b: b.pointer, ldb: ldb, beta: 0, c: out.pointer, ldc: n)
    } else {
        let pa = a.pointer, pb = b.pointer, pc = out.pointer
        // Small independent GEMMs (attention heads): the batch is split over threads instead.
        parallelChunksWithSerialBLAS(batch, minimumPerThread: perThread) { start, end in
            for i in start..<end {
                sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: pa + i * strideA, lda: lda,
                      b: pb + i * strideB, ldb: ldb, beta: 0, c: pc + i * strideC, ldc: n)
            }
        }
    }
    return out.recording([a, b]) { g in
        let pg = g.pointer
        if a.requiresGrad {
            // A new gradient buffer is written (beta 0) rather than zero-filled and added to.
            let (ga, gaNew) = a.gradStorageForAccumulation()
            let betaA: Float = gaNew ? 0 : 1
            if fold {
                // dA = dC · op(B)ᵀ
                sgemm(transposeA: false, transposeB: !transposeB, m: batch * m, n: k, k: n, a: pg, lda: n,
                      b: b.pointer, ldb: ldb, beta: betaA, c: ga, ldc: lda)
            } else {
                let pb = b.pointer
                parallelChunksWithSerialBLAS(batch, minimumPerThread: perThread) { start, end in
                for i in start..<end {
                    if transposeA {
                        // A is [k, m]: dA = op(B) · dCᵀ
                        sgemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n, a: pb + i * strideB, lda: ldb,
                              b: pg + i * strideC, ldb: n, beta: betaA, c: ga + i * strideA, ldc: lda)
                    } else {
                        sgemm(transposeA: false, transposeB: !transposeB, m: m, n: k, k: n, a: pg + i * strideC, lda: n,
                              b: pb + i * strideB, ldb: ldb, beta: betaA, c: ga + i * strideA, ldc: lda)
                    }
                }
                }
            }
        }
        if b.requiresGrad {
            let (gb, gbNew) = b.gradStorageForAccumulation()
            let rows = fold ? batch * m : m
            let paBase = a.pointer
            func weightGrad(_ i: Int) {
                // A shared B sums over the batch: only its first term may start a new buffer.
                let beta: Float = gbNew && (i == 0 || !sharedB) ? 0 : 1
                let pa = paBase + i * strideA, pgi = pg + i * strideC, gbi = gb + i * strideB
                if transposeB {
                    // B is [n, k]: dB = dCᵀ · op(A)
                    sgemm(transposeA: true, transposeB: transposeA, m: n, n: k, k: rows, a: pgi, lda: n,
                          b: pa, ldb: lda, beta: beta, c: gbi, ldc: ldb)
                } else {
                    // dB = op(A)ᵀ · dC
                    sgemm(transposeA: !transposeA, transposeB: false, m: k, n: n, k: rows, a: pa, lda: lda,
                          b: pgi, ldb: n, beta: beta, c: gbi, ldc: ldb)
                }
            }
            if sharedB {
                // One gradient summed over the batch: in batch order, on the caller's thread.
                for i in 0..<(fold ? 1 : batch) { weightGrad(i) }
            } else {
                parallelChunksWithSerialBLAS(batch, minimumPerThread: perThread) { start, end in
                    for i in start..<end { weightGrad(i) }
                }
            }
        }
    }
}
