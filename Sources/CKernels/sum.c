#include "fl_kernels.h"
#include "lanes_avx2.h"

// A sum in 8 lanes (element k in lane k mod 8), folded in lanes.h's order: what a bias
// gradient adds up per row, without a serial chain of dependent additions.

static float sum_portable(const float *x, long n) {
    float lanes[FL_LANES] = {0};
    for (long k = 0; k < n; k++) lanes[k % FL_LANES] += x[k];
    return fl_lane_sum(lanes);
}

#if defined(__x86_64__)
FL_AVX2 static float sum_avx2(const float *x, long n) {
    __m256 acc = _mm256_setzero_ps();
    long k = 0;
    for (; k + FL_LANES <= n; k += FL_LANES) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + k));
    if (k < n) acc = _mm256_add_ps(acc, _mm256_maskload_ps(x + k, fl_tail_mask(n - k)));
    return fl_lane_sum_avx2(acc);
}
#endif

float fl_sum(const float *x, long n) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx2()) return sum_avx2(x, n);
#endif
    return sum_portable(x, n);
}
