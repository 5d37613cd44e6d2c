#include "fl_kernels.h"
#include "lanes_avx512.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// Row-major C = alpha·op(A)·op(B) + beta·C with AVX-512, for CPUs that run it at full width while
// the BLAS in use runs AVX2 (Debian's OpenBLAS 0.3.21 on AMD Zen 5, which this environment pins
// to its "Haswell" kernels): BLIS's loop nest around an MR×NR micro-kernel of broadcast-FMA
// steps. Only a transposed B is packed (in zero-padded panels of NR columns); A and an untransposed
// B are read where they lie: the GEMMs here are small or skinny, and copying their operands cost
// as much as the products.
// Each element of C is one chain of fmas over k in order within a KC block (K ≤ 512: one chain,
// so a bias written first and added by the product gives the bits of adding it after), the
// blocks added in order: its value depends on k and the data only, not on how C is split
// between threads.

#define MR 8
#define NR 32
#define KC FL_GEMM_AVX512_K_BLOCK
#define NC 512

#if defined(__x86_64__)
#include <immintrin.h>

#define FL_AVX512 __attribute__((target("avx512f")))

// op(B) = Bᵀ, rows p0..<p0+kc and columns j0..<j0+nc, as zero-padded panels of NR columns (a
// panel holds NR values for each k): 16×16 blocks of B read along its rows, transposed in
// registers and written whole (a weight gradient's B is the batch's unfolded input: copying it
// value by value into strided places cost as much as the product).
FL_AVX512 static void pack_b_transposed(const float *b, long ldb, long p0, long kc, long j0, long nc, float *out) {
    for (long jr = 0; jr < nc; jr += NR, out += kc * NR) {
        long cols = nc - jr < NR ? nc - jr : NR;
        for (long c = 0; c < NR; c += 16) {
            long present = cols - c;  // columns of B's rows in this group of 16 (≤ 0: all padding)
            for (long q = 0; q < kc; q += 16) {
                long ks = kc - q < 16 ? kc - q : 16;
                __mmask16 km = (__mmask16)((1u << ks) - 1);
                __m512 r[16];
                for (long i = 0; i < 16; i++)
                    r[i] = i < present ? _mm512_maskz_loadu_ps(km, b + (j0 + jr + c + i) * ldb + p0 + q) : _mm512_setzero_ps();
                fl_transpose16(r);
                for (long j = 0; j < ks; j++) _mm512_storeu_ps(out + (q + j) * NR + c, r[j]);
            }
        }
    }
}

// A's MR rows are read in place, row r from `ar[r]` with step `ak` along k (op(A) is A or Aᵀ:
// rows of A, or columns of it, read where they lie; rows past the edge repeat the last, and their
// sums are dropped), so A is never copied. B is read from `bp` with row stride `ldbp`: a packed
// panel (NR), or op(B) itself when it is not transposed — its K×NR panel, read in place, stays
// in cache while the row panels of A pass.
FL_AVX512 static void micro_kernel(long kc, const float *const ar[MR], long ak, const float *bp, long ldbp, float *c, long ldc,
                                   long rows, long cols, float alpha, float beta, int first) {
    __m512 acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1);
    const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5], *a6 = ar[6], *a7 = ar[7];
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, bp + p * ldbp), b1 = _mm512_maskz_loadu_ps(m1, bp + p * ldbp + 16);
        long o = p * ak;
        const float a[MR] = {a0[o], a1[o], a2[o], a3[o], a4[o], a5[o], a6[o], a7[o]};
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            __m512 av = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int reads = !first || beta != 0;
    for (long r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        __m512 x0 = _mm512_mul_ps(va, acc[r][0]), x1 = _mm512_mul_ps(va, acc[r][1]);
        if (reads) {
            __m512 c0 = _mm512_maskz_loadu_ps(m0, row), c1 = _mm512_maskz_loadu_ps(m1, row + 16);
            if (first) { c0 = _mm512_mul_ps(vb, c0); c1 = _mm512_mul_ps(vb, c1); }
            x0 = _mm512_add_ps(x0, c0);
            x1 = _mm512_add_ps(x1, c1);
        }
        _mm512_mask_storeu_ps(row, m0, x0);
        _mm512_mask_storeu_ps(row + 16, m1, x1);
    }
}

static pthread_key_t packing_key;
static pthread_once_t packing_key_once = PTHREAD_ONCE_INIT;
static void make_packing_key(void) { pthread_key_create(&packing_key, free); }

void fl_sgemm_avx512(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return;
    }
    // The packing buffer for a transposed B: one per thread, made at its first such product and
    // freed when the thread ends (the pool's threads come and go).
    float *packed_b = NULL;
    if (tb) {
        pthread_once(&packing_key_once, make_packing_key);
        packed_b = pthread_getspecific(packing_key);
        if (!packed_b) {
            packed_b = aligned_alloc(64, sizeof(float) * NC * KC);
            if (!packed_b) abort();  // 1 MiB: out of memory is not recoverable here
            pthread_setspecific(packing_key, packed_b);
        }
    }
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            if (tb) pack_b_transposed(b, ldb, pc, kc, jc, nc, packed_b);
            for (long jr = 0; jr < nc; jr += NR) {
                long cols = nc - jr < NR ? nc - jr : NR;
                const float *panel = tb ? packed_b + jr * kc : b + pc * ldb + jc + jr;
                for (long ir = 0; ir < m; ir += MR) {
                    long rows = m - ir < MR ? m - ir : MR;
                    const float *ar[MR];
                    for (long r = 0; r < MR; r++) {
                        long i = ir + (r < rows ? r : rows - 1);
                        ar[r] = ta ? a + pc * lda + i : a + i * lda + pc;
                    }
                    micro_kernel(kc, ar, ta ? lda : 1, panel, tb ? NR : ldb, c + ir * ldc + jc + jr, ldc, rows, cols, alpha, beta, pc == 0);
                }
            }
        }
    }
}

#else
void fl_sgemm_avx512(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc) {
    (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    abort();  // callers check fl_gemm_avx512_supported first
}
#endif
