#ifndef FUSIONLAB_KERNELS_LANES_AVX512_H
#define FUSIONLAB_KERNELS_LANES_AVX512_H

// The 16-lane AVX-512 forms of lanes_avx2.h's element-wise operations: the same operations in the
// same order, one lane each. Reductions stay in AVX2's 8 lanes (a 16-lane block adds its low then
// its high half), so sums keep their bits on every path.

#include "lanes_avx2.h"

#if defined(__x86_64__)
#define FL_AVX512_LANES __attribute__((target("avx512f,avx2,fma")))

/// Lanes below `count` (0…16) set.
FL_AVX512_LANES static inline __mmask16 fl_tail_mask16(long count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

FL_AVX512_LANES static inline __m256 fl_low8(__m512 v) { return _mm512_castps512_ps256(v); }
FL_AVX512_LANES static inline __m256 fl_high8(__m512 v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }

/// fl_exp_lane on 16 lanes (fl_exp_avx2's operations).
FL_AVX512_LANES static inline __m512 fl_exp_avx512(__m512 x) {
    __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(FL_EXP_LOW)), _mm512_set1_ps(FL_EXP_HIGH));
    __m512 t = _mm512_mul_ps(xc, _mm512_set1_ps(FL_LOG2E));
    t = _mm512_add_ps(t, _mm512_set1_ps(FL_ROUNDER));
    __m512 n = _mm512_sub_ps(t, _mm512_set1_ps(FL_ROUNDER));
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-FL_LN2_HIGH), xc);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-FL_LN2_LOW), r);
    __m512 p = _mm512_set1_ps(FL_EXP_P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FL_EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FL_EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FL_EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FL_EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FL_EXP_P5));
    __m512 z = _mm512_mul_ps(r, r);
    __m512 y = _mm512_fmadd_ps(p, z, r);
    y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
    __m512i ni = _mm512_cvttps_epi32(n), n1 = _mm512_srai_epi32(ni, 1), n2 = _mm512_sub_epi32(ni, n1);
    __m512i bias = _mm512_set1_epi32(127);
    __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, bias), 23));
    __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, bias), 23));
    y = _mm512_mul_ps(_mm512_mul_ps(y, s1), s2);
    // The special cases of fl_exp_lane: above the range +∞, below it 0, NaN itself.
    y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(FL_EXP_HIGH), _CMP_GT_OQ), y, _mm512_set1_ps(INFINITY));
    y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(FL_EXP_LOW), _CMP_LT_OQ), y, _mm512_setzero_ps());
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), y, x);
}

/// Transposes 16 rows of 16 floats in registers: row i of the result is column i of the input.
FL_AVX512_LANES static inline void fl_transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0x88);
        t[4 + i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0xDD);
        t[8 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0x88);
        t[12 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
        r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xDD);
        r[4 + i] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0x88);
        r[12 + i] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0xDD);
    }
}

// The steps of a softmax row over positions k…k+15 of n (softmax.c's row, and attention's weights
// computed in registers, take the same steps, so both give the same bits).

/// Lanes kept among the first `valid`: not excluded (all when `excluded` is NULL).
FL_AVX512_LANES static inline __mmask16 fl_softmax_kept16(const float *excluded, long k, __mmask16 valid) {
    if (!excluded) return valid;
    return _mm512_mask_cmp_ps_mask(valid, _mm512_maskz_loadu_ps(valid, excluded + k), _mm512_setzero_ps(), _CMP_EQ_OQ);
}

/// The running maximum `vm` (start at −∞) with the kept positions of `v`.
FL_AVX512_LANES static inline __m512 fl_softmax_max16(__m512 vm, __m512 v, const float *excluded, long k, long n) {
    return _mm512_mask_max_ps(vm, fl_softmax_kept16(excluded, k, fl_tail_mask16(n - k)), vm, v);
}

/// The row's maximum from the running one; 0 when nothing was kept (the row then stays finite).
FL_AVX512_LANES static inline __m512 fl_softmax_shift(__m512 vm) {
    float m = _mm512_reduce_max_ps(vm);
    return _mm512_set1_ps(m == -INFINITY ? 0 : m);
}

/// e^(v − max) at the kept positions (0 elsewhere), its low then high 8 lanes added to `sum`.
FL_AVX512_LANES static inline __m512 fl_softmax_exp16(__m512 v, __m512 shift, const float *excluded, long k, long n, __m256 *sum) {
    __m512 e = fl_exp_avx512(_mm512_sub_ps(v, shift));
    if (excluded || n - k < 16) e = _mm512_maskz_mov_ps(fl_softmax_kept16(excluded, k, fl_tail_mask16(n - k)), e);
    *sum = _mm256_add_ps(*sum, fl_low8(e));
    *sum = _mm256_add_ps(*sum, fl_high8(e));
    return e;
}

/// 1 / the 8-lane sum, or 0 when it is 0 (a row with nothing kept is all 0).
FL_AVX512_LANES static inline float fl_softmax_inverse(__m256 sum) {
    float s = fl_lane_sum_avx2(sum);
    return s > 0 ? 1 / s : 0;
}
#endif

#endif
