#include "fl_kernels.h"
#include "lanes_avx2.h"

static void exp_portable(const float *x, float *y, long count) {
    for (long i = 0; i < count; i++) y[i] = fl_exp_lane(x[i]);
}

#if defined(__x86_64__)
FL_AVX2 static void exp_avx2(const float *x, float *y, long count) {
    long i = 0;
    for (; i + FL_LANES <= count; i += FL_LANES) _mm256_storeu_ps(y + i, fl_exp_avx2(_mm256_loadu_ps(x + i)));
    if (i < count) {
        fl_store_first(y + i, fl_exp_avx2(_mm256_maskload_ps(x + i, fl_tail_mask(count - i))), count - i);
    }
}
#endif

void fl_exp(const float *x, float *y, long count) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx2()) { exp_avx2(x, y, count); return; }
#endif
    exp_portable(x, y, count);
}
