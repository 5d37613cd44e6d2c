#include "fl_kernels.h"
#include "lanes_avx2.h"

// Attention's per-head products for one (batch entry, head) block, whose sizes (a window of 50,
// a head of 16) are too small for BLAS to amortise its packing. Each output element is one fma
// chain in a fixed order (over the head dimension for scores, over keys for the context), so
// the portable path, one element at a time with fmaf, gives the same bits.

static void scores_portable(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh, float *s, long lds) {
    for (long i = 0; i < lq; i++)
        for (long j = 0; j < lk; j++) {
            float acc = 0;
            for (long c = 0; c < dh; c++) acc = fmaf(q[i * ldq + c], k[j * ldk + c], acc);
            s[i * lds + j] = acc;
        }
}

static void context_portable(const float *w, long ldw, const float *v, long ldv, long lq, long lk, long dh, float *out, long ldo) {
    for (long i = 0; i < lq; i++)
        for (long c = 0; c < dh; c++) {
            float acc = 0;
            for (long j = 0; j < lk; j++) acc = fmaf(w[i * ldw + j], v[j * ldv + c], acc);
            out[i * ldo + c] = acc;
        }
}

#if defined(__x86_64__)
#define KEY_TILE 16

// Stores a 16-wide tile of a row whose valid width is `left` (≤ 16 stored).
FL_AVX2 static inline void store_tile(float *out, __m256 a0, __m256 a1, long left) {
    if (left >= 16) {
        _mm256_storeu_ps(out, a0);
        _mm256_storeu_ps(out + 8, a1);
    } else {
        fl_store_first(out, a0, left < 8 ? left : 8);
        if (left > 8) fl_store_first(out + 8, a1, left - 8);
    }
}

// Four rows × 16 columns of Σ_t a[r][t] · b[t][0..<16], t in order (one fma chain per element):
// each load of b serves four rows and eight chains are in flight. Stores `width` (≤ 16) columns.
FL_AVX2 static inline void tile_4x16(const float *a, long lda, const float *b, long ldb, long steps, float *out, long ldo,
                                     long width) {
    const float *a0 = a, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    for (long t = 0; t < steps; t++) {
        __m256 b0 = _mm256_loadu_ps(b + t * ldb), b1 = _mm256_loadu_ps(b + t * ldb + 8);
        __m256 x = _mm256_broadcast_ss(a0 + t);
        c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + t);
        c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + t);
        c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + t);
        c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    }
    store_tile(out, c00, c01, width);
    store_tile(out + ldo, c10, c11, width);
    store_tile(out + 2 * ldo, c20, c21, width);
    store_tile(out + 3 * ldo, c30, c31, width);
}

// Kᵀ is laid out in `scratch` with rows of lk rounded up to KEY_TILE (zero-padded), so a row of
// scores is dh broadcast-fma steps over aligned-width loads. Four query rows share each load and
// keep eight independent fma chains in flight (`tile_4x16`; one row's two chains wait on the fma
// latency); each element's chain is unchanged, so the bits are those of one row at a time.
FL_AVX2 static void scores_avx2(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh, float *s, long lds,
                                float *scratch) {
    long lkp = (lk + KEY_TILE - 1) / KEY_TILE * KEY_TILE;
    for (long c = 0; c < dh; c++) {
        float *row = scratch + c * lkp;
        for (long j = 0; j < lk; j++) row[j] = k[j * ldk + c];
        for (long j = lk; j < lkp; j++) row[j] = 0;
    }
    long i = 0;
    for (; i + 4 <= lq; i += 4) {
        for (long j = 0; j < lk; j += KEY_TILE)
            tile_4x16(q + i * ldq, ldq, scratch + j, lkp, dh, s + i * lds + j, lds, lk - j);
    }
    for (; i < lq; i++) {
        const float *qi = q + i * ldq;
        for (long j = 0; j < lk; j += KEY_TILE) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (long c = 0; c < dh; c++) {
                __m256 b = _mm256_broadcast_ss(qi + c);
                const float *kt = scratch + c * lkp + j;
                a0 = _mm256_fmadd_ps(b, _mm256_loadu_ps(kt), a0);
                a1 = _mm256_fmadd_ps(b, _mm256_loadu_ps(kt + 8), a1);
            }
            store_tile(s + i * lds + j, a0, a1, lk - j);
        }
    }
}

// Context rows one at a time, head columns from c0 to dh (16 per tile, masked at the tail).
FL_AVX2 static void context_rows_avx2(const float *w, long ldw, const float *v, long ldv, long lq, long lk, long c0, long dh,
                                      float *out, long ldo) {
    for (long i = 0; i < lq; i++) {
        const float *wi = w + i * ldw;
        for (long c = c0; c < dh; c += 16) {
            long left = dh - c;
            __m256i m0 = left >= 8 ? _mm256_set1_epi32(-1) : fl_tail_mask(left);
            __m256i m1 = left >= 16 ? _mm256_set1_epi32(-1) : fl_tail_mask(left > 8 ? left - 8 : 0);
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            if (left >= 16) {
                for (long j = 0; j < lk; j++) {
                    __m256 b = _mm256_broadcast_ss(wi + j);
                    a0 = _mm256_fmadd_ps(b, _mm256_loadu_ps(v + j * ldv + c), a0);
                    a1 = _mm256_fmadd_ps(b, _mm256_loadu_ps(v + j * ldv + c + 8), a1);
                }
            } else {
                for (long j = 0; j < lk; j++) {
                    __m256 b = _mm256_broadcast_ss(wi + j);
                    a0 = _mm256_fmadd_ps(b, _mm256_maskload_ps(v + j * ldv + c, m0), a0);
                    a1 = _mm256_fmadd_ps(b, _mm256_maskload_ps(v + j * ldv + c + 8, m1), a1);
                }
            }
            store_tile(out + i * ldo + c, a0, a1, left);
        }
    }
}

// Context rows: four at a time share each load of V (eight fma chains in flight) where the head
// has a full tile of 16; otherwise one row at a time with masked loads. Same chains, same bits.
FL_AVX2 static void context_avx2(const float *w, long ldw, const float *v, long ldv, long lq, long lk, long dh, float *out, long ldo) {
    long i = 0;
    for (; i + 4 <= lq; i += 4) {
        long c = 0;
        for (; c + 16 <= dh; c += 16) tile_4x16(w + i * ldw, ldw, v + c, ldv, lk, out + i * ldo + c, ldo, 16);
        if (c < dh) context_rows_avx2(w + i * ldw, ldw, v, ldv, 4, lk, c, dh, out + i * ldo, ldo);
    }
    if (i < lq) context_rows_avx2(w + i * ldw, ldw, v, ldv, lq - i, lk, 0, dh, out + i * ldo, ldo);
}
#endif

long fl_attention_scores_scratch(long lk, long dh) { return (lk + 15) / 16 * 16 * dh; }

void fl_attention_scores(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh, float *s, long lds,
                         float *scratch) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx2()) { scores_avx2(q, ldq, k, ldk, lq, lk, dh, s, lds, scratch); return; }
#endif
    (void)scratch;
    scores_portable(q, ldq, k, ldk, lq, lk, dh, s, lds);
}

void fl_attention_context(const float *w, long ldw, const float *v, long ldv, long lq, long lk, long dh, float *out, long ldo) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx2()) { context_avx2(w, ldw, v, ldv, lq, lk, dh, out, ldo); return; }
#endif
    context_portable(w, ldw, v, ldv, lq, lk, dh, out, ldo);
}
