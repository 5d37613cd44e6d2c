#include "int8_internal.h"

#include <string.h>

// The int8 GEMM on 512-bit registers (AVX-512 VNNI): a tile of ROWS activation rows × up to
// PANEL output channels (4 packed blocks of 16, one zmm each), vpdpbusd adding 4 u8×s8 products
// per 32-bit lane. Per group of 4 inputs the tile loads its 4 weight vectors once and broadcasts
// each row's 4 bytes once: 24 accumulators for 10 loads. The packed layout is fl_int8_pack_weights'
// (a block holds 16 channels × 4 inputs per group, 64 bytes: one zmm), so the 256-bit kernel and
// this one read the same weights.

#if defined(__x86_64__)
#include <immintrin.h>

#define ROWS 6
#define BLOCKS 4
#define FL_AVX512_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

// Rows past m repeat the last row and are not stored, so the loop has no remainder branch;
// `blocks` (1…4) is a constant in each inlined copy.
FL_AVX512_VNNI __attribute__((always_inline)) static inline void panel(const struct gemm_args *g, int j0, int blocks, int groups) {
    const int8_t *w = g->packed + (long)(j0 / FL_INT8_BLOCK) * FL_INT8_BLOCK * groups * 4;
    long block_stride = (long)groups * FL_INT8_BLOCK * 4;
    int columns = g->n - j0 < blocks * FL_INT8_BLOCK ? g->n - j0 : blocks * FL_INT8_BLOCK;
    __mmask16 masks[BLOCKS];
    for (int v = 0; v < BLOCKS; v++) {
        int present = columns - v * FL_INT8_BLOCK;
        masks[v] = present >= 16 ? (__mmask16)0xFFFF : present <= 0 ? 0 : (__mmask16)((1u << present) - 1);
    }
    int fast = g->column_stride == 1;
    // The panel's per-channel operands, loaded once (and g's fields read into locals: stores
    // through c would otherwise make the compiler reload them).
    const float *a_scales = g->a_scales, *bias = g->bias;
    const int32_t *a_zeros = g->a_zero_points;
    float *out = g->c;
    long row_stride = g->row_stride;
    __m512i sums[BLOCKS];
    __m512 w_scales[BLOCKS], biases[BLOCKS];
    for (int v = 0; v < blocks; v++) {
        int j = j0 + 16 * v;
        sums[v] = _mm512_maskz_loadu_epi32(masks[v], g->row_sums + j);
        w_scales[v] = _mm512_maskz_loadu_ps(masks[v], g->w_scales + j);
        biases[v] = bias ? _mm512_maskz_loadu_ps(masks[v], bias + j) : _mm512_setzero_ps();
    }
    for (int i0 = 0; i0 < g->m; i0 += ROWS) {
        int rows = g->m - i0 < ROWS ? g->m - i0 : ROWS;
        const uint8_t *r[ROWS];
        for (int t = 0; t < ROWS; t++) r[t] = g->a + (long)(i0 + (t < rows ? t : rows - 1)) * g->lda;
        __m512i acc[ROWS][BLOCKS];
        for (int t = 0; t < ROWS; t++)
            for (int v = 0; v < blocks; v++) acc[t][v] = _mm512_setzero_si512();
        for (int q = 0; q < groups; q++) {
            __m512i b[BLOCKS];
            for (int v = 0; v < blocks; v++) b[v] = _mm512_loadu_si512((const void *)(w + v * block_stride + (long)q * 64));
#pragma GCC unroll 6
            for (int t = 0; t < ROWS; t++) {
                int32_t x;
                memcpy(&x, r[t] + 4 * q, 4);
                __m512i a = _mm512_set1_epi32(x);
                for (int v = 0; v < blocks; v++) acc[t][v] = _mm512_dpbusd_epi32(acc[t][v], a, b[v]);
            }
        }
        // Unrolled with constant indices so that the accumulators stay in registers.
#pragma GCC unroll 6
        for (int t = 0; t < ROWS; t++) {
            if (t >= rows) break;
            int i = i0 + t;
            if (!fast) {
                int32_t sums[BLOCKS * FL_INT8_BLOCK];
                for (int v = 0; v < blocks; v++) _mm512_storeu_si512((void *)(sums + 16 * v), acc[t][v]);
                fl_int8_dequantize(g, i, j0, columns, sums);
                continue;
            }
            // fl_int8_dequantize's operations, 16 lanes at a time.
            __m512 scale = _mm512_set1_ps(a_scales[i]);
            __m512i zero = _mm512_set1_epi32(a_zeros[i]);
            float *c = out + (long)i * row_stride + j0;
            for (int v = 0; v < blocks; v++) {
                __m512i exact = _mm512_sub_epi32(acc[t][v], _mm512_mullo_epi32(zero, sums[v]));
                __m512 y = _mm512_mul_ps(_mm512_mul_ps(scale, w_scales[v]), _mm512_cvtepi32_ps(exact));
                if (bias) y = _mm512_add_ps(y, biases[v]);
                _mm512_mask_storeu_ps(c + 16 * v, masks[v], y);
            }
        }
    }
}

FL_AVX512_VNNI void fl_int8_gemm_avx512(const struct gemm_args *g) {
    int groups = fl_int8_padded_inputs(g->k) / 4;
    for (int j0 = 0; j0 < g->n; j0 += BLOCKS * FL_INT8_BLOCK) {
        int blocks = (g->n - j0 + FL_INT8_BLOCK - 1) / FL_INT8_BLOCK;
        switch (blocks < BLOCKS ? blocks : BLOCKS) {
        case 1: panel(g, j0, 1, groups); break;
        case 2: panel(g, j0, 2, groups); break;
        case 3: panel(g, j0, 3, groups); break;
        default: panel(g, j0, 4, groups); break;
        }
    }
}

#else
void fl_int8_gemm_avx512(const struct gemm_args *g) { (void)g; }  // never chosen: fl_int8_cpu_has_avx512_vnni is 0
#endif
