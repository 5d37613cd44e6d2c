#include "fl_kernels.h"

// 2×2/2 max pooling with its argmax, and the scatter of its gradient, for one plane: what a CNN
// stage (convolution, ReLU, pool) spends outside its GEMMs. The AVX-512 path does 16 windows at
// once (each row pair's even and odd columns split apart by permutes, the four candidates compared
// in the portable loop's order with its strict `>`), so both paths give the same values and the
// same argmax.

#if defined(__x86_64__)
#include <immintrin.h>

#define FL_AVX512 __attribute__((target("avx512f")))

static inline __mmask16 first_lanes(long n) { return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

// The even (odd) columns of a 32-column run, as 16 lanes; the ReLU of each when `relu`
// (max(v, 0) gives 0 for NaN and for −0, as `v > 0 ? v : 0`).
FL_AVX512 static inline void split_run(const float *row, long columns, int relu, __m512 *even, __m512 *odd) {
    const __m512i even_index = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_index = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    __m512 lo = _mm512_maskz_loadu_ps(first_lanes(columns), row), hi = _mm512_maskz_loadu_ps(first_lanes(columns - 16), row + 16);
    *even = _mm512_permutex2var_ps(lo, even_index, hi);
    *odd = _mm512_permutex2var_ps(lo, odd_index, hi);
    if (relu) {
        *even = _mm512_max_ps(*even, _mm512_setzero_ps());
        *odd = _mm512_max_ps(*odd, _mm512_setzero_ps());
    }
}

FL_AVX512 static void max_pool2x2_avx512(const float *x, long row_length, float *y, long ho, long wo, int32_t *argmax, int relu) {
    const __m512i lane_pairs = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (long oy = 0; oy < ho; oy++) {
        const float *r0 = x + 2 * oy * row_length, *r1 = r0 + row_length;
        for (long ox = 0; ox < wo; ox += 16) {
            long n = wo - ox < 16 ? wo - ox : 16;
            __m512 e0, o0, e1, o1;
            split_run(r0 + 2 * ox, 2 * n, relu, &e0, &o0);
            split_run(r1 + 2 * ox, 2 * n, relu, &e1, &o1);
            __m512i base = _mm512_add_epi32(_mm512_set1_epi32((int)(2 * oy * row_length + 2 * ox)), lane_pairs);
            __m512 best = e0;
            __m512i index = base;
            __mmask16 m = _mm512_cmp_ps_mask(o0, best, _CMP_GT_OQ);
            best = _mm512_mask_mov_ps(best, m, o0);
            index = _mm512_mask_add_epi32(index, m, base, _mm512_set1_epi32(1));
            m = _mm512_cmp_ps_mask(e1, best, _CMP_GT_OQ);
            best = _mm512_mask_mov_ps(best, m, e1);
            index = _mm512_mask_add_epi32(index, m, base, _mm512_set1_epi32((int)row_length));
            m = _mm512_cmp_ps_mask(o1, best, _CMP_GT_OQ);
            best = _mm512_mask_mov_ps(best, m, o1);
            index = _mm512_mask_add_epi32(index, m, base, _mm512_set1_epi32((int)row_length + 1));
            __mmask16 out = first_lanes(n);
            _mm512_mask_storeu_ps(y + oy * wo + ox, out, best);
            if (argmax) _mm512_mask_storeu_epi32(argmax + oy * wo + ox, out, index);
        }
    }
}

FL_AVX512 static void max_pool2x2_scatter_avx512(const float *g, const float *pooled, const int32_t *argmax, long ho, long wo,
                                                  float *dx, long row_length, long rows) {
    const __m512i lane_pairs = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i low_half = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high_half = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    for (long oy = 0; oy < ho; oy++) {
        float *r0 = dx + 2 * oy * row_length, *r1 = r0 + row_length;
        for (long ox = 0; ox < wo; ox += 16) {
            long n = wo - ox < 16 ? wo - ox : 16;
            __mmask16 in = first_lanes(n);
            long i = oy * wo + ox;
            __m512 gv = _mm512_maskz_loadu_ps(in, g + i), pv = _mm512_maskz_loadu_ps(in, pooled + i);
            // The gradient passes where the pooled value is positive (the ReLU's mask).
            gv = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(pv, _mm512_setzero_ps(), _CMP_GT_OQ), gv);
            __m512i base = _mm512_add_epi32(_mm512_set1_epi32((int)(2 * oy * row_length + 2 * ox)), lane_pairs);
            __m512i local = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(in, argmax + i), base);
            __m512 e0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(local, _mm512_setzero_si512()), gv);
            __m512 o0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(local, _mm512_set1_epi32(1)), gv);
            __m512 e1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(local, _mm512_set1_epi32((int)row_length)), gv);
            __m512 o1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(local, _mm512_set1_epi32((int)row_length + 1)), gv);
            _mm512_mask_storeu_ps(r0 + 2 * ox, first_lanes(2 * n), _mm512_permutex2var_ps(e0, low_half, o0));
            _mm512_mask_storeu_ps(r0 + 2 * ox + 16, first_lanes(2 * n - 16), _mm512_permutex2var_ps(e0, high_half, o0));
            _mm512_mask_storeu_ps(r1 + 2 * ox, first_lanes(2 * n), _mm512_permutex2var_ps(e1, low_half, o1));
            _mm512_mask_storeu_ps(r1 + 2 * ox + 16, first_lanes(2 * n - 16), _mm512_permutex2var_ps(e1, high_half, o1));
        }
        // Columns no window covers (an odd width's last).
        for (long j = 2 * wo; j < row_length; j++) r0[j] = r1[j] = 0;
    }
    for (long r = 2 * ho; r < rows; r++)
        for (long j = 0; j < row_length; j++) dx[r * row_length + j] = 0;
}
#endif

static void max_pool2x2_portable(const float *x, long w, float *y, long ho, long wo, int32_t *argmax, int relu) {
    for (long oy = 0; oy < ho; oy++) {
        const float *r0 = x + 2 * oy * w, *r1 = r0 + w;
        for (long ox = 0; ox < wo; ox++) {
            long c = 2 * ox;
            float v[4] = {r0[c], r0[c + 1], r1[c], r1[c + 1]};
            long at[4] = {2 * oy * w + c, 2 * oy * w + c + 1, (2 * oy + 1) * w + c, (2 * oy + 1) * w + c + 1};
            if (relu)
                for (int k = 0; k < 4; k++) v[k] = v[k] > 0 ? v[k] : 0;
            float best = v[0];
            long bi = at[0];
            for (int k = 1; k < 4; k++)
                if (v[k] > best) { best = v[k]; bi = at[k]; }
            y[oy * wo + ox] = best;
            if (argmax) argmax[oy * wo + ox] = (int32_t)bi;
        }
    }
}

static void max_pool2x2_scatter_portable(const float *g, const float *pooled, const int32_t *argmax, long ho, long wo, float *dx,
                                         long row_length, long rows) {
    for (long i = 0; i < rows * row_length; i++) dx[i] = 0;
    for (long i = 0; i < ho * wo; i++) dx[argmax[i]] = pooled[i] > 0 ? g[i] : 0;
}

void fl_max_pool2x2(const float *x, long row_length, float *y, long ho, long wo, int32_t *argmax, int relu) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) { max_pool2x2_avx512(x, row_length, y, ho, wo, argmax, relu); return; }
#endif
    max_pool2x2_portable(x, row_length, y, ho, wo, argmax, relu);
}

void fl_max_pool2x2_scatter(const float *g, const float *pooled, const int32_t *argmax, long ho, long wo, float *dx,
                            long row_length, long rows) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) { max_pool2x2_scatter_avx512(g, pooled, argmax, ho, wo, dx, row_length, rows); return; }
#endif
    max_pool2x2_scatter_portable(g, pooled, argmax, ho, wo, dx, row_length, rows);
}
