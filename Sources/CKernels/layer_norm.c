#include "fl_kernels.h"
#include "lanes_avx2.h"

// Layer-norm rows: the mean and the variance (of x − mean, two passes as before) summed in 8
// lanes; the affine step as one fma per element.

static float layer_norm_row_portable(const float *x, float *xhat, float *y, long d, const float *w, const float *b, float eps) {
    float sums[FL_LANES] = {0}, squares[FL_LANES] = {0};
    for (long j = 0; j < d; j++) sums[j % FL_LANES] += x[j];
    float mean = fl_lane_sum(sums) / (float)d;
    for (long j = 0; j < d; j++) {
        float c = x[j] - mean;
        squares[j % FL_LANES] = fmaf(c, c, squares[j % FL_LANES]);
    }
    float rstd = 1.0f / sqrtf(fl_lane_sum(squares) / (float)d + eps);
    for (long j = 0; j < d; j++) {
        float h = (x[j] - mean) * rstd;
        if (xhat) xhat[j] = h;
        y[j] = w && b ? fmaf(h, w[j], b[j]) : (w ? h * w[j] : (b ? h + b[j] : h));
    }
    return rstd;
}

static void layer_norm_row_backward_portable(const float *g, const float *xhat, float rstd, const float *w, float *dx, long d, int is_new) {
    float sums[FL_LANES] = {0}, products[FL_LANES] = {0};
    for (long j = 0; j < d; j++) {
        float dh = w ? g[j] * w[j] : g[j];
        sums[j % FL_LANES] += dh;
        products[j % FL_LANES] = fmaf(dh, xhat[j], products[j % FL_LANES]);
    }
    float m1 = fl_lane_sum(sums) / (float)d, m2 = fl_lane_sum(products) / (float)d;
    for (long j = 0; j < d; j++) {
        float dh = w ? g[j] * w[j] : g[j];
        float t = (dh - m1) - xhat[j] * m2;
        if (is_new) dx[j] = rstd * t;
        else dx[j] += rstd * t;
    }
}

#if defined(__x86_64__)
FL_AVX2 static inline __m256i valid_lanes(long remaining) {
    return remaining >= FL_LANES ? _mm256_set1_epi32(-1) : fl_tail_mask(remaining);
}

FL_AVX2 static float layer_norm_row_avx2(const float *x, float *xhat, float *y, long d, const float *w, const float *b, float eps) {
    __m256 sums = _mm256_setzero_ps(), squares = _mm256_setzero_ps();
    for (long j = 0; j < d; j += FL_LANES) sums = _mm256_add_ps(sums, _mm256_maskload_ps(x + j, valid_lanes(d - j)));
    float mean = fl_lane_sum_avx2(sums) / (float)d;
    __m256 vmean = _mm256_set1_ps(mean);
    for (long j = 0; j < d; j += FL_LANES) {
        __m256i valid = valid_lanes(d - j);
        // Lanes past the end are 0 − mean: masked to 0, so they add nothing.
        __m256 c = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + j, valid), vmean), _mm256_castsi256_ps(valid));
        squares = _mm256_fmadd_ps(c, c, squares);
    }
    float rstd = 1.0f / sqrtf(fl_lane_sum_avx2(squares) / (float)d + eps);
    __m256 vr = _mm256_set1_ps(rstd);
    for (long j = 0; j < d; j += FL_LANES) {
        __m256i valid = valid_lanes(d - j);
        __m256 h = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + j, valid), vmean), vr);
        long left = d - j;
        if (xhat) { if (left >= FL_LANES) _mm256_storeu_ps(xhat + j, h); else fl_store_first(xhat + j, h, left); }
        __m256 v = h;
        if (w && b) v = _mm256_fmadd_ps(h, _mm256_maskload_ps(w + j, valid), _mm256_maskload_ps(b + j, valid));
        else if (w) v = _mm256_mul_ps(h, _mm256_maskload_ps(w + j, valid));
        else if (b) v = _mm256_add_ps(h, _mm256_maskload_ps(b + j, valid));
        if (left >= FL_LANES) _mm256_storeu_ps(y + j, v); else fl_store_first(y + j, v, left);
    }
    return rstd;
}

FL_AVX2 static void layer_norm_row_backward_avx2(const float *g, const float *xhat, float rstd, const float *w, float *dx, long d, int is_new) {
    __m256 sums = _mm256_setzero_ps(), products = _mm256_setzero_ps();
    for (long j = 0; j < d; j += FL_LANES) {
        __m256i valid = valid_lanes(d - j);
        __m256 dh = _mm256_maskload_ps(g + j, valid);
        if (w) dh = _mm256_mul_ps(dh, _mm256_maskload_ps(w + j, valid));
        sums = _mm256_add_ps(sums, dh);
        products = _mm256_fmadd_ps(dh, _mm256_maskload_ps(xhat + j, valid), products);
    }
    __m256 m1 = _mm256_set1_ps(fl_lane_sum_avx2(sums) / (float)d), m2 = _mm256_set1_ps(fl_lane_sum_avx2(products) / (float)d);
    __m256 vr = _mm256_set1_ps(rstd);
    for (long j = 0; j < d; j += FL_LANES) {
        __m256i valid = valid_lanes(d - j);
        __m256 dh = _mm256_maskload_ps(g + j, valid);
        if (w) dh = _mm256_mul_ps(dh, _mm256_maskload_ps(w + j, valid));
        __m256 t = _mm256_sub_ps(_mm256_sub_ps(dh, m1), _mm256_mul_ps(_mm256_maskload_ps(xhat + j, valid), m2));
        __m256 v = _mm256_mul_ps(vr, t);
        if (!is_new) v = _mm256_add_ps(_mm256_maskload_ps(dx + j, valid), v);
        if (d - j >= FL_LANES) _mm256_storeu_ps(dx + j, v); else fl_store_first(dx + j, v, d - j);
    }
}
#endif

float fl_layer_norm_row(const float *x, float *xhat, float *y, long d, const float *weight, const float *bias, float eps) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx2()) return layer_norm_row_avx2(x, xhat, y, d, weight, bias, eps);
#endif
    return layer_norm_row_portable(x, xhat, y, d, weight, bias, eps);
}

void fl_layer_norm_row_backward(const float *g, const float *xhat, float rstd, const float *weight, float *dx, long d, int is_new) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx2()) { layer_norm_row_backward_avx2(g, xhat, rstd, weight, dx, d, is_new); return; }
#endif
    layer_norm_row_backward_portable(g, xhat, rstd, weight, dx, d, is_new);
}
