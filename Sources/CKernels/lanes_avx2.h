#ifndef FUSIONLAB_KERNELS_LANES_AVX2_H
#define FUSIONLAB_KERNELS_LANES_AVX2_H

// The 8-lane AVX2+FMA forms of lanes.h: the same operations in the same order, one lane each.

#include "lanes.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define FL_AVX2 __attribute__((target("avx2,fma")))

FL_AVX2 static inline float fl_lane_sum_avx2(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));  // l0+l4 … l3+l7
    __m128 b = _mm_add_ps(a, _mm_movehl_ps(a, a));                                  // (l0+l4)+(l2+l6), (l1+l5)+(l3+l7)
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_shuffle_ps(b, b, 1)));
}

FL_AVX2 static inline float fl_lane_max_avx2(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    __m128 b = _mm_max_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_max_ss(b, _mm_shuffle_ps(b, b, 1)));
}

/// Lanes below `count` (0…8) set: the mask of a partial last block.
FL_AVX2 static inline __m256i fl_tail_mask(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Stores the first `count` (0…8) lanes of `v`: through a buffer, as masked stores are slow on
/// some CPUs (AMD).
FL_AVX2 static inline void fl_store_first(float *to, __m256 v, long count) {
    float lanes[FL_LANES];
    _mm256_storeu_ps(lanes, v);
    for (long i = 0; i < count; i++) to[i] = lanes[i];
}

/// fl_exp_lane on 8 lanes.
FL_AVX2 static inline __m256 fl_exp_avx2(__m256 x) {
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(FL_EXP_LOW)), _mm256_set1_ps(FL_EXP_HIGH));
    __m256 t = _mm256_mul_ps(xc, _mm256_set1_ps(FL_LOG2E));
    t = _mm256_add_ps(t, _mm256_set1_ps(FL_ROUNDER));
    __m256 n = _mm256_sub_ps(t, _mm256_set1_ps(FL_ROUNDER));
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-FL_LN2_HIGH), xc);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-FL_LN2_LOW), r);
    __m256 p = _mm256_set1_ps(FL_EXP_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FL_EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FL_EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FL_EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FL_EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FL_EXP_P5));
    __m256 z = _mm256_mul_ps(r, r);
    __m256 y = _mm256_fmadd_ps(p, z, r);
    y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
    __m256i ni = _mm256_cvttps_epi32(n), n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    y = _mm256_mul_ps(_mm256_mul_ps(y, s1), s2);
    // The special cases of fl_exp_lane: above the range +∞, below it 0, NaN itself.
    y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, _mm256_set1_ps(FL_EXP_HIGH), _CMP_GT_OQ));
    y = _mm256_blendv_ps(y, _mm256_setzero_ps(), _mm256_cmp_ps(x, _mm256_set1_ps(FL_EXP_LOW), _CMP_LT_OQ));
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}
#endif

#endif
