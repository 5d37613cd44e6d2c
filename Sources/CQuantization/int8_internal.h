#ifndef FUSIONLAB_INT8_INTERNAL_H
#define FUSIONLAB_INT8_INTERNAL_H

// What the int8 kernels share inside CQuantization (not exported to Swift).

#include "int8_gemm.h"

// The operands of one GEMM call, as fl_int8_gemm documents them.
struct gemm_args {
    int m, n, k;
    const uint8_t *a;
    long lda;
    const float *a_scales;
    const int32_t *a_zero_points;
    const int8_t *packed;
    const int32_t *row_sums;
    const float *w_scales, *bias;
    float *c;
    long row_stride, column_stride;
};

// One accumulator row (row i, channels j0…j0+columns) → floats: the only place the int32 sums
// become floats outside the vector epilogues, which do the same operations in the same order
// (a_scale·w_scale first, then × the exact sum, then + bias; no FMA), so every kernel gives the
// same bits.
static inline void fl_int8_dequantize(const struct gemm_args *g, int i, int j0, int columns, const int32_t *acc) {
    float a_scale = g->a_scales[i];
    int32_t a_zero = g->a_zero_points[i];
    float *c = g->c + i * g->row_stride + j0 * g->column_stride;
    for (int j = 0; j < columns; j++) {
        float v = a_scale * g->w_scales[j0 + j] * (float)(acc[j] - a_zero * g->row_sums[j0 + j]);
        c[j * g->column_stride] = g->bias ? v + g->bias[j0 + j] : v;
    }
}

// The smallest and largest of `count` floats, each clamped to include 0.
void fl_int8_min_max(const float *x, long count, float *lo, float *hi);
// The uint8 scale and zero point of the range [min(0, lo), max(0, hi)] (0 exact).
void fl_int8_range(float lo, float hi, float *scale, int32_t *zero);
// q = saturate(round(x·inv) + z) to 0…255, ties to even.
void fl_int8_quantize_span(const float *x, long count, float inv, int32_t z, uint8_t *q);
// fl_int8_quantize_span over `planes` × `height` rows of `width` contiguous floats, row r of plane p
// written at q + p·plane_stride + r·row_stride (into a bordered image), the CPU checked once.
void fl_int8_quantize_planes(const float *x, int planes, int height, int width, float inv, int32_t z, uint8_t *q, long plane_stride,
                             long row_stride);

int fl_int8_cpu_has_avx512_vnni(void);
int fl_int8_cpu_has_avx_vnni(void);

// The AVX-512 VNNI GEMM (int8_gemm_avx512.c): panels of up to 64 channels, 6 rows at a time.
void fl_int8_gemm_avx512(const struct gemm_args *g);

#endif
