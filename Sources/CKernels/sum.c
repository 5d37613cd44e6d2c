#include "fl_kernels.h"
#include "lanes_avx2.h"

// A sum in 8 lanes (element k in lane k mod 8), folded in lanes.h's order: what a bias
// gradient adds up per row, without a serial chain of dependent additions. A long sum can also
// be taken in pieces (fl_sum_continue, then fl_sum_total): the same lanes receive the same
// additions in the same order as one fl_sum over the pieces laid end to end.

static void sum_portable(const float *x, long n, long offset, float lanes[FL_LANES]) {
    for (long k = 0; k < n; k++) lanes[(offset + k) % FL_LANES] += x[k];
}

#if defined(__x86_64__)
FL_AVX2 static void sum_avx2(const float *x, long n, float lanes[FL_LANES]) {
    __m256 acc = _mm256_loadu_ps(lanes);
    long k = 0;
    for (; k + FL_LANES <= n; k += FL_LANES) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + k));
    if (k < n) acc = _mm256_add_ps(acc, _mm256_maskload_ps(x + k, fl_tail_mask(n - k)));
    _mm256_storeu_ps(lanes, acc);
}
#endif

void fl_sum_continue(const float *x, long n, long offset, float lanes[8]) {
#if defined(__x86_64__)
    // A piece starting on lane 0 takes the vector path, as fl_sum's one piece does.
    if (offset % FL_LANES == 0 && fl_kernels_use_avx2()) { sum_avx2(x, n, lanes); return; }
#endif
    sum_portable(x, n, offset, lanes);
}

float fl_sum_total(const float lanes[8]) { return fl_lane_sum(lanes); }

float fl_sum(const float *x, long n) {
    float lanes[FL_LANES] = {0};
    fl_sum_continue(x, n, 0, lanes);
    return fl_lane_sum(lanes);
}
