#include "int8_internal.h"

#include <string.h>

// The int8 convolution, one sample at a time, laid out so that its output comes out in NCHW:
// output channels are the GEMM's rows (their int8 weights broadcast 4 bytes at a time) and
// output positions its vector lanes. The sample is quantised once into a bordered byte image
// (the border holds the zero point: a padded 0.0), then unfolded with the 4 inputs of a group
// interleaved per position — [group][position][4 bytes], the operand vpdpbusd multiplies — so
// that a tile of 4 channels × 64 positions reads 64 contiguous bytes per vector. Bias and ReLU
// are applied to the tile in registers, and 2×2 max pooling, when asked, reads the channel
// maps from a cache-sized buffer: only the pooled map reaches the output.

#pragma STDC FP_CONTRACT OFF

// Positions are padded to whole tiles (64: 4 zmm or 8 ymm vectors of 4-byte lanes).
#define TILE_POSITIONS 64
#define SLACK 64

struct conv_args {
    int outputs, kp, groups;
    const int8_t *weights;
    const int32_t *row_sums;
    const float *scales, *bias;
    const uint8_t *cols;
    long group_stride;  // bytes between one group's positions and the next's
    float a_scale;
    int32_t a_zero;
    int relu;
    float *y;
    long ldy;
};

// The sizes one sample works with.
struct conv_shape {
    int ho, wo, hp, wp, positions, padded_positions, k, groups;
    long image_bytes, column_bytes;
};

static long round64(long n) { return (n + 63) & ~63L; }

static struct conv_shape shape_of(const fl_int8_conv_layer *l, int height, int width) {
    struct conv_shape s;
    s.ho = (height + 2 * l->pad_h - l->kernel_h) / l->stride_h + 1;
    s.wo = (width + 2 * l->pad_w - l->kernel_w) / l->stride_w + 1;
    s.hp = height + 2 * l->pad_h;
    s.wp = width + 2 * l->pad_w;
    s.positions = s.ho * s.wo;
    s.padded_positions = (s.positions + TILE_POSITIONS - 1) / TILE_POSITIONS * TILE_POSITIONS;
    s.k = l->channels * l->kernel_h * l->kernel_w;
    s.groups = fl_int8_padded_inputs(s.k) / 4;
    s.image_bytes = round64((long)l->channels * s.hp * s.wp + SLACK);
    s.column_bytes = round64((long)s.groups * s.padded_positions * 4 + SLACK);
    return s;
}

long fl_int8_conv_scratch_bytes(const fl_int8_conv_layer *layer, int height, int width) {
    struct conv_shape s = shape_of(layer, height, width);
    return s.image_bytes + s.column_bytes + round64((long)layer->outputs * s.padded_positions * (long)sizeof(float));
}

void fl_int8_pack_rows(const int8_t *w, int n, int k, int8_t *rows, int32_t *row_sums) {
    int kp = fl_int8_padded_inputs(k);
    for (int j = 0; j < n; j++) {
        int32_t sum = 0;
        for (int x = 0; x < k; x++) sum += (rows[(long)j * kp + x] = w[(long)j * k + x]);
        for (int x = k; x < kp; x++) rows[(long)j * kp + x] = 0;
        row_sums[j] = sum;
    }
}

// Where tap t (input channel, kernel row, kernel column) of output position 0 lies in the
// bordered image; taps past k (the padding to a whole group) read tap 0: their weights are 0.
static long tap_offset(const fl_int8_conv_layer *l, const struct conv_shape *s, int t) {
    if (t >= s->k) t = 0;
    int per_channel = l->kernel_h * l->kernel_w, ch = t / per_channel, ki = t % per_channel / l->kernel_w, kj = t % l->kernel_w;
    return ((long)ch * s->hp + ki) * s->wp + kj;
}

static void unfold_portable(const fl_int8_conv_layer *l, const struct conv_shape *s, const uint8_t *image, uint8_t *cols) {
    for (int t = 0; t < 4 * s->groups; t++) {
        const uint8_t *tap = image + tap_offset(l, s, t);
        uint8_t *dst = cols + (long)(t / 4) * s->padded_positions * 4 + t % 4;
        for (int oy = 0; oy < s->ho; oy++)
            for (int ox = 0; ox < s->wo; ox++)
                dst[((long)oy * s->wo + ox) * 4] = tap[(long)oy * l->stride_h * s->wp + (long)ox * l->stride_w];
        for (int p = s->positions; p < s->padded_positions; p++) dst[(long)p * 4] = 0;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// The same bytes, 16 positions at a time (SSE2, x86-64's baseline), when the width stride is 1:
// a tap's positions along an output row are then consecutive bytes of the bordered image.
// A row's last chunk may write past the row: into the next row's place (written after it) or
// into the slack; it reads at most 15 bytes past the image, into the slack.
static void unfold_sse2(const fl_int8_conv_layer *l, const struct conv_shape *s, const uint8_t *image, uint8_t *cols) {
    for (int q = 0; q < s->groups; q++) {
        const uint8_t *t0 = image + tap_offset(l, s, 4 * q), *t1 = image + tap_offset(l, s, 4 * q + 1);
        const uint8_t *t2 = image + tap_offset(l, s, 4 * q + 2), *t3 = image + tap_offset(l, s, 4 * q + 3);
        uint8_t *dst = cols + (long)q * s->padded_positions * 4;
        for (int oy = 0; oy < s->ho; oy++, dst += (long)s->wo * 4) {
            long row = (long)oy * l->stride_h * s->wp;
            for (int ox = 0; ox < s->wo; ox += 16) {
                __m128i a = _mm_loadu_si128((const __m128i *)(t0 + row + ox)), b = _mm_loadu_si128((const __m128i *)(t1 + row + ox));
                __m128i c = _mm_loadu_si128((const __m128i *)(t2 + row + ox)), d = _mm_loadu_si128((const __m128i *)(t3 + row + ox));
                __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
                __m128i cd0 = _mm_unpacklo_epi8(c, d), cd1 = _mm_unpackhi_epi8(c, d);
                uint8_t *out = dst + 4 * ox;
                _mm_storeu_si128((__m128i *)out, _mm_unpacklo_epi16(ab0, cd0));
                _mm_storeu_si128((__m128i *)(out + 16), _mm_unpackhi_epi16(ab0, cd0));
                _mm_storeu_si128((__m128i *)(out + 32), _mm_unpacklo_epi16(ab1, cd1));
                _mm_storeu_si128((__m128i *)(out + 48), _mm_unpackhi_epi16(ab1, cd1));
            }
        }
    }
}

#define TILE_FUNCTION tile_avx512
#define TILE_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define TILE_LANES 16
#define TILE_VECTORS 4
#define TILE_INT __m512i
#define TILE_FLOAT __m512
#define TILE_ZERO() _mm512_setzero_si512()
#define TILE_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define TILE_BROADCAST(x) _mm512_set1_epi32(x)
#define TILE_DPBUSD(acc, u8, s8) _mm512_dpbusd_epi32(acc, u8, s8)
#define TILE_SUB(a, b) _mm512_sub_epi32(a, b)
#define TILE_CVT(a) _mm512_cvtepi32_ps(a)
#define TILE_SET1F(x) _mm512_set1_ps(x)
#define TILE_MULF(a, b) _mm512_mul_ps(a, b)
#define TILE_ADDF(a, b) _mm512_add_ps(a, b)
#define TILE_MAXF(a, b) _mm512_max_ps(a, b)
#define TILE_STOREF(p, v) _mm512_storeu_ps(p, v)
#include "int8_conv_tile.h"
#undef TILE_FUNCTION
#undef TILE_TARGET
#undef TILE_LANES
#undef TILE_VECTORS
#undef TILE_INT
#undef TILE_FLOAT
#undef TILE_ZERO
#undef TILE_LOAD
#undef TILE_BROADCAST
#undef TILE_DPBUSD
#undef TILE_SUB
#undef TILE_CVT
#undef TILE_SET1F
#undef TILE_MULF
#undef TILE_ADDF
#undef TILE_MAXF
#undef TILE_STOREF

// 16 ymm registers: 4 channels × 2 vectors of 8 positions.
#define TILE_FUNCTION tile_avx_vnni
#define TILE_TARGET __attribute__((target("avx2,avxvnni")))
#define TILE_LANES 8
#define TILE_VECTORS 2
#define TILE_INT __m256i
#define TILE_FLOAT __m256
#define TILE_ZERO() _mm256_setzero_si256()
#define TILE_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define TILE_BROADCAST(x) _mm256_set1_epi32(x)
#define TILE_DPBUSD(acc, u8, s8) _mm256_dpbusd_avx_epi32(acc, u8, s8)
#define TILE_SUB(a, b) _mm256_sub_epi32(a, b)
#define TILE_CVT(a) _mm256_cvtepi32_ps(a)
#define TILE_SET1F(x) _mm256_set1_ps(x)
#define TILE_MULF(a, b) _mm256_mul_ps(a, b)
#define TILE_ADDF(a, b) _mm256_add_ps(a, b)
#define TILE_MAXF(a, b) _mm256_max_ps(a, b)
#define TILE_STOREF(p, v) _mm256_storeu_ps(p, v)
#include "int8_conv_tile.h"
#endif

// The tile's arithmetic for one output, in plain C: the same operations in the same order.
static inline float dequantize_position(const struct conv_args *c, int o, int32_t acc) {
    float r = c->a_scale * c->scales[o] * (float)(acc - c->a_zero * c->row_sums[o]);
    if (c->bias) r = r + c->bias[o];
    if (c->relu) r = r > 0 ? r : 0;
    return r;
}

static void gemm_portable(const struct conv_args *c, int positions) {
    for (int o = 0; o < c->outputs; o++) {
        const int8_t *w = c->weights + (long)o * c->kp;
        for (int p = 0; p < positions; p++) {
            int32_t acc = 0;
            const uint8_t *x = c->cols + (long)p * 4;
            for (int q = 0; q < c->groups; q++, x += c->group_stride)
                acc += x[0] * w[4 * q] + x[1] * w[4 * q + 1] + x[2] * w[4 * q + 2] + x[3] * w[4 * q + 3];
            c->y[(long)o * c->ldy + p] = dequantize_position(c, o, acc);
        }
    }
}

// 2×2 max pooling, stride 2 (maxPool2d's floor: a last odd row or column is dropped).
static void pool2x2(const float *map, long ld, int channels, int ho, int wo, float *y) {
    int hq = ho / 2, wq = wo / 2;
    for (int ch = 0; ch < channels; ch++) {
        for (int py = 0; py < hq; py++) {
            const float *r0 = map + ch * ld + (long)(2 * py) * wo, *r1 = r0 + wo;
            float *out = y + ((long)ch * hq + py) * wq;
            for (int px = 0; px < wq; px++) {
                float a = r0[2 * px] > r0[2 * px + 1] ? r0[2 * px] : r0[2 * px + 1];
                float b = r1[2 * px] > r1[2 * px + 1] ? r1[2 * px] : r1[2 * px + 1];
                out[px] = a > b ? a : b;
            }
        }
    }
}

#if defined(__x86_64__)
// pool2x2 16 outputs at a time: the even and odd columns of two rows gathered by permutes, then
// the same three comparisons in the same order (max_ps(a, b) is a > b ? a : b), so the same bits.
__attribute__((target("avx512f")))
static void pool2x2_avx512(const float *map, long ld, int channels, int ho, int wo, float *y) {
    int hq = ho / 2, wq = wo / 2;
    __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for (int ch = 0; ch < channels; ch++) {
        for (int py = 0; py < hq; py++) {
            const float *r0 = map + ch * ld + (long)(2 * py) * wo, *r1 = r0 + wo;
            float *out = y + ((long)ch * hq + py) * wq;
            for (int px = 0; px < wq; px += 16) {
                int n = wq - px < 16 ? wq - px : 16;  // outputs; 2n inputs per row
                __mmask16 m0 = 2 * n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (2 * n)) - 1);
                __mmask16 m1 = 2 * n <= 16 ? 0 : (__mmask16)((1u << (2 * n - 16)) - 1);
                __m512 a0 = _mm512_maskz_loadu_ps(m0, r0 + 2 * px), a1 = _mm512_maskz_loadu_ps(m1, r0 + 2 * px + 16);
                __m512 b0 = _mm512_maskz_loadu_ps(m0, r1 + 2 * px), b1 = _mm512_maskz_loadu_ps(m1, r1 + 2 * px + 16);
                __m512 a = _mm512_max_ps(_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1));
                __m512 b = _mm512_max_ps(_mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1));
                _mm512_mask_storeu_ps(out + px, (__mmask16)((1u << n) - 1), _mm512_max_ps(a, b));
            }
        }
    }
}
#endif

void fl_int8_conv_sample(const fl_int8_conv_layer *layer, const float *x, int height, int width, int relu, int pool,
                         void *scratch, float *y, int kernel) {
    kernel = fl_int8_resolve_kernel(kernel);
    struct conv_shape s = shape_of(layer, height, width);
    uint8_t *image = scratch, *cols = image + s.image_bytes;
    float *map = (float *)(cols + s.column_bytes);

    // One scale and zero point for the sample; the border and the slack hold the zero point.
    long count = (long)layer->channels * height * width;
    float lo, hi, a_scale;
    int32_t a_zero;
    fl_int8_min_max(x, count, &lo, &hi);
    fl_int8_range(lo, hi, &a_scale, &a_zero);
    memset(image, a_zero, (size_t)s.image_bytes);
    fl_int8_quantize_planes(x, layer->channels, height, width, 1.0f / a_scale, a_zero, image + (long)layer->pad_h * s.wp + layer->pad_w,
                            (long)s.hp * s.wp, s.wp);

#if defined(__x86_64__)
    if (kernel != FL_INT8_PORTABLE && layer->stride_w == 1) unfold_sse2(layer, &s, image, cols);
    else unfold_portable(layer, &s, image, cols);
#else
    unfold_portable(layer, &s, image, cols);
#endif

    // Straight into y when its rows are whole tiles and nothing follows; else through the map.
    int direct = !pool && s.padded_positions == s.positions;
    struct conv_args c = {layer->outputs, fl_int8_padded_inputs(s.k), s.groups, layer->weights, layer->row_sums, layer->scales,
                          layer->bias, cols, (long)s.padded_positions * 4, a_scale, a_zero, relu,
                          direct ? y : map, direct ? s.positions : s.padded_positions};
    switch (kernel) {
#if defined(__x86_64__)
    case FL_INT8_AVX512_VNNI:
        for (int p0 = 0; p0 < s.positions; p0 += 16 * 4)
            for (int o0 = 0; o0 < layer->outputs; o0 += 4) tile_avx512(&c, o0, p0);
        break;
    case FL_INT8_AVX_VNNI:
        for (int p0 = 0; p0 < s.positions; p0 += 8 * 2)
            for (int o0 = 0; o0 < layer->outputs; o0 += 4) tile_avx_vnni(&c, o0, p0);
        break;
#endif
    default: gemm_portable(&c, s.positions);
    }
#if defined(__x86_64__)
    if (pool && kernel == FL_INT8_AVX512_VNNI) pool2x2_avx512(map, s.padded_positions, layer->outputs, s.ho, s.wo, y);
    else if (pool) pool2x2(map, s.padded_positions, layer->outputs, s.ho, s.wo, y);
#else
    if (pool) pool2x2(map, s.padded_positions, layer->outputs, s.ho, s.wo, y);
#endif
    else if (!direct)
        for (int o = 0; o < layer->outputs; o++) memcpy(y + (long)o * s.positions, map + (long)o * s.padded_positions, sizeof(float) * s.positions);
}
