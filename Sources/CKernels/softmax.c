#include "fl_kernels.h"
#include "lanes_avx512.h"

// Softmax rows for attention: the maximum (exact in any order), e^(x − max) with the vector exp,
// the sum in 8 lanes, then one multiply by 1/sum. Excluded positions get 0 and add 0 to the sum.
// The AVX-512 path takes 16 positions at a time and adds their low then their high 8 to the
// 8-lane sum: AVX2's order (a masked-off half adds +0, which changes no sum of non-negative terms).

static void softmax_row_portable(const float *x, float *y, long n, const float *excluded) {
    float m = -INFINITY;
    for (long k = 0; k < n; k++)
        if (!excluded || excluded[k] == 0) m = x[k] > m ? x[k] : m;
    if (m == -INFINITY) m = 0;  // a fully excluded row stays finite (all zeros below)
    float lanes[FL_LANES] = {0};
    for (long k = 0; k < n; k++) {
        float e = (!excluded || excluded[k] == 0) ? fl_exp_lane(x[k] - m) : 0.0f;
        y[k] = e;
        lanes[k % FL_LANES] += e;
    }
    float s = fl_lane_sum(lanes), inv = s > 0 ? 1 / s : 0;
    for (long k = 0; k < n; k++) y[k] *= inv;
}

static void softmax_row_backward_portable(const float *g, const float *y, float *dx, long n, const float *excluded, int is_new) {
    float lanes[FL_LANES] = {0};
    for (long k = 0; k < n; k++) lanes[k % FL_LANES] = fmaf(g[k], y[k], lanes[k % FL_LANES]);
    float dot = fl_lane_sum(lanes);
    for (long k = 0; k < n; k++) {
        int keep = !excluded || excluded[k] == 0;
        float v = y[k] * (g[k] - dot);
        if (is_new) dx[k] = keep ? v : 0.0f;
        else if (keep) dx[k] += v;
    }
}

#if defined(__x86_64__)
/// Lanes kept: not excluded (all when `excluded` is NULL), within the first `valid` lanes.
FL_AVX2 static inline __m256 kept_lanes(const float *excluded, long k, __m256i valid) {
    if (!excluded) return _mm256_castsi256_ps(valid);
    __m256 e = _mm256_maskload_ps(excluded + k, valid);
    return _mm256_and_ps(_mm256_cmp_ps(e, _mm256_setzero_ps(), _CMP_EQ_OQ), _mm256_castsi256_ps(valid));
}

FL_AVX2 static void softmax_row_avx2(const float *x, float *y, long n, const float *excluded) {
    const __m256i all = _mm256_set1_epi32(-1);
    const __m256 minus_inf = _mm256_set1_ps(-INFINITY);
    __m256 vm = minus_inf;
    for (long k = 0; k < n; k += FL_LANES) {
        __m256i valid = n - k >= FL_LANES ? all : fl_tail_mask(n - k);
        __m256 v = _mm256_maskload_ps(x + k, valid);
        vm = _mm256_max_ps(vm, _mm256_blendv_ps(minus_inf, v, kept_lanes(excluded, k, valid)));
    }
    float m = fl_lane_max_avx2(vm);
    if (m == -INFINITY) m = 0;
    __m256 vmax = _mm256_set1_ps(m), acc = _mm256_setzero_ps();
    for (long k = 0; k < n; k += FL_LANES) {
        __m256i valid = n - k >= FL_LANES ? all : fl_tail_mask(n - k);
        __m256 v = _mm256_maskload_ps(x + k, valid);
        __m256 e = _mm256_and_ps(fl_exp_avx2(_mm256_sub_ps(v, vmax)), kept_lanes(excluded, k, valid));
        if (n - k >= FL_LANES) _mm256_storeu_ps(y + k, e);
        else fl_store_first(y + k, e, n - k);
        acc = _mm256_add_ps(acc, e);
    }
    float s = fl_lane_sum_avx2(acc), inv = s > 0 ? 1 / s : 0;
    __m256 vinv = _mm256_set1_ps(inv);
    long k = 0;
    for (; k + FL_LANES <= n; k += FL_LANES) _mm256_storeu_ps(y + k, _mm256_mul_ps(_mm256_loadu_ps(y + k), vinv));
    for (; k < n; k++) y[k] *= inv;
}

FL_AVX2 static void softmax_row_backward_avx2(const float *g, const float *y, float *dx, long n, const float *excluded, int is_new) {
    const __m256i all = _mm256_set1_epi32(-1);
    __m256 acc = _mm256_setzero_ps();
    for (long k = 0; k < n; k += FL_LANES) {
        __m256i valid = n - k >= FL_LANES ? all : fl_tail_mask(n - k);
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(g + k, valid), _mm256_maskload_ps(y + k, valid), acc);
    }
    __m256 dot = _mm256_set1_ps(fl_lane_sum_avx2(acc));
    for (long k = 0; k < n; k += FL_LANES) {
        __m256i valid = n - k >= FL_LANES ? all : fl_tail_mask(n - k);
        __m256 v = _mm256_mul_ps(_mm256_maskload_ps(y + k, valid), _mm256_sub_ps(_mm256_maskload_ps(g + k, valid), dot));
        __m256 keep = kept_lanes(excluded, k, valid);
        // Where not kept: 0 when new, else dx unchanged.
        __m256 out = is_new ? _mm256_and_ps(v, keep)
                            : _mm256_blendv_ps(_mm256_maskload_ps(dx + k, valid),
                                               _mm256_add_ps(_mm256_maskload_ps(dx + k, valid), v), keep);
        if (n - k >= FL_LANES) _mm256_storeu_ps(dx + k, out);
        else fl_store_first(dx + k, out, n - k);
    }
}

FL_AVX512_LANES static void softmax_row_avx512(const float *x, float *y, long n, const float *excluded) {
    // Whole blocks load and store unmasked (masked stores are slow on AMD); the tail is masked.
    __m512 vm = _mm512_set1_ps(-INFINITY);
    for (long k = 0; k < n; k += 16) {
        __m512 v = n - k >= 16 ? _mm512_loadu_ps(x + k) : _mm512_maskz_loadu_ps(fl_tail_mask16(n - k), x + k);
        vm = fl_softmax_max16(vm, v, excluded, k, n);
    }
    __m512 shift = fl_softmax_shift(vm);
    __m256 acc = _mm256_setzero_ps();
    for (long k = 0; k < n; k += 16) {
        int whole = n - k >= 16;
        __m512 v = whole ? _mm512_loadu_ps(x + k) : _mm512_maskz_loadu_ps(fl_tail_mask16(n - k), x + k);
        __m512 e = fl_softmax_exp16(v, shift, excluded, k, n, &acc);
        if (whole) _mm512_storeu_ps(y + k, e);
        else _mm512_mask_storeu_ps(y + k, fl_tail_mask16(n - k), e);
    }
    float inv = fl_softmax_inverse(acc);
    __m512 vinv = _mm512_set1_ps(inv);
    long k = 0;
    for (; k + 16 <= n; k += 16) _mm512_storeu_ps(y + k, _mm512_mul_ps(_mm512_loadu_ps(y + k), vinv));
    for (; k < n; k++) y[k] *= inv;
}

FL_AVX512_LANES static void softmax_row_backward_avx512(const float *g, const float *y, float *dx, long n, const float *excluded, int is_new) {
    __m256 acc = _mm256_setzero_ps();
    for (long k = 0; k < n; k += 16) {
        __mmask16 valid = fl_tail_mask16(n - k);
        int whole = n - k >= 16;
        __m512 gk = whole ? _mm512_loadu_ps(g + k) : _mm512_maskz_loadu_ps(valid, g + k);
        __m512 yk = whole ? _mm512_loadu_ps(y + k) : _mm512_maskz_loadu_ps(valid, y + k);
        acc = _mm256_fmadd_ps(fl_low8(gk), fl_low8(yk), acc);
        acc = _mm256_fmadd_ps(fl_high8(gk), fl_high8(yk), acc);
    }
    __m512 dot = _mm512_set1_ps(fl_lane_sum_avx2(acc));
    long k = 0;
    for (; k + 16 <= n; k += 16) {
        __mmask16 keep = fl_softmax_kept16(excluded, k, 0xFFFF);
        __m512 v = _mm512_mul_ps(_mm512_loadu_ps(y + k), _mm512_sub_ps(_mm512_loadu_ps(g + k), dot));
        // Where not kept: 0 when new, else dx unchanged.
        if (is_new) _mm512_storeu_ps(dx + k, _mm512_maskz_mov_ps(keep, v));
        else {
            __m512 d = _mm512_loadu_ps(dx + k);
            _mm512_storeu_ps(dx + k, _mm512_mask_add_ps(d, keep, d, v));
        }
    }
    for (; k < n; k += 16) {
        __mmask16 valid = fl_tail_mask16(n - k), keep = fl_softmax_kept16(excluded, k, valid);
        __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(valid, y + k), _mm512_sub_ps(_mm512_maskz_loadu_ps(valid, g + k), dot));
        // Where not kept: 0 when new, else dx unchanged.
        if (is_new) _mm512_mask_storeu_ps(dx + k, valid, _mm512_maskz_mov_ps(keep, v));
        else _mm512_mask_storeu_ps(dx + k, keep, _mm512_add_ps(_mm512_maskz_loadu_ps(keep, dx + k), v));
    }
}
#endif

void fl_softmax_row(const float *x, float *y, long n, const float *excluded) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) { softmax_row_avx512(x, y, n, excluded); return; }
    if (fl_kernels_use_avx2()) { softmax_row_avx2(x, y, n, excluded); return; }
#endif
    softmax_row_portable(x, y, n, excluded);
}

void fl_softmax_row_backward(const float *g, const float *y, float *dx, long n, const float *excluded, int is_new) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) { softmax_row_backward_avx512(g, y, dx, n, excluded, is_new); return; }
    if (fl_kernels_use_avx2()) { softmax_row_backward_avx2(g, y, dx, n, excluded, is_new); return; }
#endif
    softmax_row_backward_portable(g, y, dx, n, excluded, is_new);
}
