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

// Kᵀ is laid out in `scratch` with rows of lk rounded up to KEY_TILE (zero-padded), so a row of
// scores is dh broadcast-fma steps over aligned-width loads.
FL_AVX2 static void scores_avx2(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh, float *s, long lds,
                                float *scratch) {
    long lkp = (lk + KEY_TILE - 1) / KEY_TILE * KEY_TILE;
    for (long c = 0; c < dh; c++) {
        float *row = scratch + c * lkp;
        for (long j = 0; j < lk; j++) row[j] = k[j * ldk + c];
        for (long j = lk; j < lkp; j++) row[j] = 0;
    }
    for (long i = 0; i < lq; i++) {
        const float *qi = q + i * ldq;
        for (long j = 0; j < lk; j += KEY_TILE) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (long c = 0; c < dh; c++) {
                __m256 b = _mm256_broadcast_ss(qi + c);
                const float *kt = scratch + c * lkp + j;
                a0 = _mm256_fmadd_ps(b, _mm256_loadu_ps(kt), a0);
                a1 = _mm256_fmadd_ps(b, _mm256_loadu_ps(kt + 8), a1);
            }
            float *out = s + i * lds + j;
            if (j + KEY_TILE <= lk) {
                _mm256_storeu_ps(out, a0);
                _mm256_storeu_ps(out + 8, a1);
            } else {
                long left = lk - j;
                fl_store_first(out, a0, left < 8 ? left : 8);
                if (left > 8) fl_store_first(out + 8, a1, left - 8);
            }
        }
    }
}

FL_AVX2 static void context_avx2(const float *w, long ldw, const float *v, long ldv, long lq, long lk, long dh, float *out, long ldo) {
    for (long i = 0; i < lq; i++) {
        const float *wi = w + i * ldw;
        for (long c = 0; c < dh; c += 16) {
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
            if (left >= 16) {
                _mm256_storeu_ps(out + i * ldo + c, a0);
                _mm256_storeu_ps(out + i * ldo + c + 8, a1);
            } else {
                fl_store_first(out + i * ldo + c, a0, left < 8 ? left : 8);
                if (left > 8) fl_store_first(out + i * ldo + c + 8, a1, left - 8);
            }
        }
    }
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
