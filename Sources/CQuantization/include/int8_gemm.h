#ifndef FUSIONLAB_INT8_GEMM_H
#define FUSIONLAB_INT8_GEMM_H

#include <stdint.h>

// Int8 dynamic quantisation kernels (scoring only): activations are quantised per row to uint8
// with a zero point, weights per output channel to symmetric int8; products accumulate exactly in
// int32 and are dequantised with both scales, the bias added in float.
//
//   y[i][j] = a_scale[i] * w_scale[j] * (Σ_k a_q[i][k] * w_q[j][k] − a_zero[i] * Σ_k w_q[j][k]) + bias[j]
//
// A Linear's weights are packed once into blocks of FL_INT8_BLOCK output channels × 4 inputs (the
// layout vpdpbusd reads: one 32-bit lane per channel holding 4 consecutive inputs), zero-padded to
// whole blocks, so activation rows must be readable up to `fl_int8_padded_inputs(k)` bytes. A
// convolution's are rows zero-padded to a multiple of 4 inputs (fl_int8_pack_rows): its kernel
// broadcasts a channel's 4 bytes against 16 output positions (fl_int8_conv_sample).

#define FL_INT8_BLOCK 16

/// `k` rounded up to a multiple of 4 (the row length the GEMM reads).
static inline int fl_int8_padded_inputs(int k) { return (k + 3) & ~3; }
/// Bytes of the packed weights of `n` outputs × `k` inputs.
long fl_int8_packed_size(int n, int k);

/// Quantises `n` rows of `k` floats (a weight `[out, in]`) to symmetric int8 per row:
/// scale = max|w| / 127, q = round(w / scale) in −127…127 (scale 1 for an all-zero row).
void fl_quantize_weights_s8(const float *w, int n, int k, int8_t *q, float *scales);

/// Packs `w` (`n` rows of `k` int8, row stride `k`) into `packed` (fl_int8_packed_size bytes) and
/// writes every row's sum into `row_sums` (`n` int32).
void fl_int8_pack_weights(const int8_t *w, int n, int k, int8_t *packed, int32_t *row_sums);

/// Quantises `rows` rows of `k` floats (row stride `ld`) to uint8 per row: the range
/// [min(0, min x), max(0, max x)] onto 0…255, so 0 is exact (its zero point). Writes `ldq` bytes
/// per row (k values, then zeros up to ldq), one scale and one zero point per row.
void fl_quantize_rows_u8(const float *x, int rows, int k, long ld, uint8_t *q, long ldq, float *scales, int32_t *zero_points);

/// Quantises `count` floats with one scale and zero point (as a row of fl_quantize_rows_u8).
void fl_quantize_tensor_u8(const float *x, long count, uint8_t *q, float *scale, int32_t *zero_point);

/// Which kernel the int8 GEMMs run: the best the CPU has, or one named (tests compare them; every
/// kernel gives the same bits). A named kernel the CPU lacks runs the portable one.
enum { FL_INT8_BEST = 0, FL_INT8_PORTABLE = 1, FL_INT8_AVX_VNNI = 2, FL_INT8_AVX512_VNNI = 3 };
/// Whether `kernel` runs on this CPU (FL_INT8_BEST and FL_INT8_PORTABLE always do).
int fl_int8_kernel_supported(int kernel);
/// The kernel `kernel` stands for here: FL_INT8_BEST resolved, an unsupported one → FL_INT8_PORTABLE.
int fl_int8_resolve_kernel(int kernel);

/// The int8 GEMM above for rows `m` of `a` (row stride `lda` ≥ fl_int8_padded_inputs(k)) against
/// `n` packed output channels; y[i][j] is written at c[i * row_stride + j * column_stride] (column_stride
/// 1 is the fast case). `bias` may be NULL. `kernel`: one of the FL_INT8_ kernels.
void fl_int8_gemm(int m, int n, int k, const uint8_t *a, long lda, const float *a_scales, const int32_t *a_zero_points,
                  const int8_t *packed, const int32_t *row_sums, const float *w_scales, const float *bias,
                  float *c, long row_stride, long column_stride, int kernel);

/// A convolution whose weights are int8 (fl_int8_conv_sample): `weights` holds `outputs` rows of
/// fl_int8_padded_inputs(channels·kernel_h·kernel_w) bytes (fl_int8_pack_rows), `bias` may be NULL.
typedef struct {
    int outputs, channels, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
    const int8_t *weights;
    const int32_t *row_sums;
    const float *scales, *bias;
} fl_int8_conv_layer;

/// Copies `n` rows of `k` int8 into rows of fl_int8_padded_inputs(k) bytes (zeros after) and
/// writes every row's sum into `row_sums`.
void fl_int8_pack_rows(const int8_t *w, int n, int k, int8_t *rows, int32_t *row_sums);

/// Bytes of scratch fl_int8_conv_sample needs for an input of `height` × `width`.
long fl_int8_conv_scratch_bytes(const fl_int8_conv_layer *layer, int height, int width);

/// One sample of the int8 convolution: `x` (`channels` × `height` × `width` floats) quantised
/// to uint8 with one scale and zero point, unfolded and multiplied, `y` = the layer's output
/// `[outputs, Ho, Wo]`, then ReLU when `relu`, then 2×2 max pooling (stride 2, `[outputs, Ho/2,
/// Wo/2]`) when `pool`. `scratch`: fl_int8_conv_scratch_bytes bytes, 64-byte aligned.
void fl_int8_conv_sample(const fl_int8_conv_layer *layer, const float *x, int height, int width, int relu, int pool,
                         void *scratch, float *y, int kernel);

#endif
