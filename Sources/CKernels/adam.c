#include "fl_kernels.h"

#include <math.h>

// One Adam(W) step over a run of parameters, in NN's Adam's arithmetic and order (no fused
// multiply-adds: this target is built with -ffp-contract=off), 16 parameters at a time with
// AVX-512 where the CPU has it. Every operation is a correctly rounded IEEE one (×, +, −, ÷, √),
// so both paths give the same bits.

static void adam_portable(float *p, const float *g, float *m, float *v, long n, float b1, float b2, float eps, float step,
                          float c2, float decay, float l2) {
    float one_b1 = 1 - b1, one_b2 = 1 - b2;
    for (long i = 0; i < n; i++) {
        float grad = g[i] + l2 * p[i];
        float mi = b1 * m[i] + one_b1 * grad;
        float vi = b2 * v[i] + one_b2 * grad * grad;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step * mi / (sqrtf(vi) / c2 + eps);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static void adam_avx512(float *p, const float *g, float *m, float *v, long n, float b1, float b2,
                                                          float eps, float step, float c2, float decay, float l2) {
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2), one_b1 = _mm512_set1_ps(1 - b1), one_b2 = _mm512_set1_ps(1 - b2);
    const __m512 veps = _mm512_set1_ps(eps), vstep = _mm512_set1_ps(step), vc2 = _mm512_set1_ps(c2), vdecay = _mm512_set1_ps(decay),
                 vl2 = _mm512_set1_ps(l2);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 pi = _mm512_maskz_loadu_ps(k, p + i);
        __m512 grad = _mm512_add_ps(_mm512_maskz_loadu_ps(k, g + i), _mm512_mul_ps(vl2, pi));
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_maskz_loadu_ps(k, m + i)), _mm512_mul_ps(one_b1, grad));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_maskz_loadu_ps(k, v + i)), _mm512_mul_ps(_mm512_mul_ps(one_b2, grad), grad));
        __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), vc2), veps);
        __m512 updated = _mm512_sub_ps(_mm512_mul_ps(pi, vdecay), _mm512_div_ps(_mm512_mul_ps(vstep, mi), denominator));
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(p + i, k, updated);
    }
}
#endif

void fl_adam_update(float *p, const float *g, float *m, float *v, long count, float beta1, float beta2, float eps, float step_size,
                    float correction2, float decay, float l2) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) {
        adam_avx512(p, g, m, v, count, beta1, beta2, eps, step_size, correction2, decay, l2);
        return;
    }
#endif
    adam_portable(p, g, m, v, count, beta1, beta2, eps, step_size, correction2, decay, l2);
}
