#include "fl_kernels.h"
#include <math.h>

// Adam's update over a range of the parameter buffer (NN/Adam.swift states the rule). Every
// element is computed with the same IEEE operations in the same order on either path — products,
// sums, one square root and one division, each rounded, no fma — so the AVX-512 path gives the
// bits of the portable one (and of the Swift loop it replaced). Whole 16-lane blocks load and
// store unmasked (masked stores are slow on AMD: a masked loop took 2.9% of a batch-32 training
// step against 1.1%), the last few elements go through the scalar loop.

#pragma STDC FP_CONTRACT OFF

static inline void adam_element(float *p, const float *g, float *m, float *v, long i, float b1, float b2, float eps, float step_size,
                                float correction2, float decay_factor, float l2) {
    float grad = g[i] + l2 * p[i];
    float mi = b1 * m[i] + (1 - b1) * grad;
    float vi = b2 * v[i] + (1 - b2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay_factor - step_size * mi / (sqrtf(vi) / correction2 + eps);
}

static void adam_update_portable(float *p, const float *g, float *m, float *v, long count, float b1, float b2, float eps, float step_size,
                             float correction2, float decay_factor, float l2) {
    for (long i = 0; i < count; i++) adam_element(p, g, m, v, i, b1, b2, eps, step_size, correction2, decay_factor, l2);
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static void adam_update_avx512(float *p, const float *g, float *m, float *v, long count, float b1, float b2, float eps, float step_size,
                               float correction2, float decay_factor, float l2) {
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2), one_b1 = _mm512_set1_ps(1 - b1), one_b2 = _mm512_set1_ps(1 - b2);
    const __m512 veps = _mm512_set1_ps(eps), vstep = _mm512_set1_ps(step_size), vc2 = _mm512_set1_ps(correction2);
    const __m512 vdecay = _mm512_set1_ps(decay_factor), vl2 = _mm512_set1_ps(l2);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 pi = _mm512_loadu_ps(p + i);
        __m512 grad = _mm512_add_ps(_mm512_loadu_ps(g + i), _mm512_mul_ps(vl2, pi));
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(one_b1, grad));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(one_b2, grad), grad));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), vc2), veps);
        __m512 update = _mm512_div_ps(_mm512_mul_ps(vstep, mi), denominator);
        _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_mul_ps(pi, vdecay), update));
    }
    for (; i < count; i++) adam_element(p, g, m, v, i, b1, b2, eps, step_size, correction2, decay_factor, l2);
}
#endif

void fl_adam_update(float *p, const float *g, float *m, float *v, long count, float b1, float b2, float eps, float step_size,
                    float correction2, float decay_factor, float l2) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) {
        adam_update_avx512(p, g, m, v, count, b1, b2, eps, step_size, correction2, decay_factor, l2);
        return;
    }
#endif
    adam_update_portable(p, g, m, v, count, b1, b2, eps, step_size, correction2, decay_factor, l2);
}
