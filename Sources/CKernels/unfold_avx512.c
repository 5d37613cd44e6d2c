#include "fl_kernels.h"

#include <stdlib.h>

// Stride-1 im2col and its adjoint with AVX-512: per tap, each run of 16 output columns is one
// masked load (the lanes whose input lies outside the image read nothing and give 0) and one
// store, instead of a copy and scalar zeroing loops per output row. col2im adds in the same order
// as the portable loop (taps in row order, each element once per tap), so the bits are the same.
//
// Maps at most 16 wide whose width divides 16 (16×16, 8×8, 4×4: the CNN's later stages) run as
// one flat row of ho·w columns: a tap shifts the whole map by dy·w + dx, and its column mask
// repeats every 16 lanes. The taps are walked with counters (no division per row).

#if defined(__x86_64__)
#include <immintrin.h>

#define FL_AVX512 __attribute__((target("avx512f")))

// Lanes [from, to) of 16 set (clamped to 0…16).
static inline __mmask16 lane_range(long from, long to) {
    from = from < 0 ? 0 : from > 16 ? 16 : from;
    to = to < 0 ? 0 : to > 16 ? 16 : to;
    return (__mmask16)(((1u << to) - 1) & ~((1u << from) - 1));
}

// The taps of the rows of a stride-1 unfold, walked in row order r = (c·kh + ki)·kw + kj.
typedef struct {
    long height, width, kh, kw, ph, pw, ho, wo;
    long c, ki, kj;  // the current row's tap
    long oy0, oy1;   // output rows whose input row is inside the image: [oy0, oy1)
    long dy, dx;     // input row = output row + dy, input column = output column + dx
    long ox0, ox1;   // output columns whose input column is inside the image: [ox0, ox1)
} taps_t;

static inline void taps_settle(taps_t *t) {
    t->dy = t->ki - t->ph;
    t->dx = t->kj - t->pw;
    t->oy0 = -t->dy > 0 ? -t->dy : 0;
    t->oy1 = t->height - t->dy < t->ho ? t->height - t->dy : t->ho;
    if (t->oy1 < t->oy0) t->oy1 = t->oy0;
    t->ox0 = -t->dx > 0 ? -t->dx : 0;
    t->ox1 = t->width - t->dx < t->wo ? t->width - t->dx : t->wo;
    if (t->ox1 < t->ox0) t->ox1 = t->ox0;
}

static inline taps_t taps_start(long r, long height, long width, long kh, long kw, long ph, long pw) {
    taps_t t = {height, width, kh, kw, ph, pw, height + 2 * ph - kh + 1, width + 2 * pw - kw + 1,
                r / (kh * kw), (r % (kh * kw)) / kw, r % kw, 0, 0, 0, 0, 0, 0};
    taps_settle(&t);
    return t;
}

static inline void taps_next(taps_t *t) {
    if (++t->kj == t->kw) {
        t->kj = 0;
        if (++t->ki == t->kh) { t->ki = 0; t->c++; }
    }
    taps_settle(t);
}

// Rows of at most this many runs of 16 have their masks computed once per tap.
#define FL_UNFOLD_RUNS 16

// Whether the flat form applies: output as wide as the input, the width a divisor of 16.
static inline int flat_form(long width, long wo) { return wo == width && width <= 16 && 16 % width == 0; }

// The lanes of a 16-lane run starting at a multiple of `width` (a divisor of 16, so a power of
// two) whose column is in [ox0, ox1): one row's bits, repeated.
static inline __mmask16 column_pattern(long width, long ox0, long ox1) {
    unsigned bits = lane_range(ox0, ox1);
    for (long shift = width; shift < 16; shift *= 2) bits |= bits << shift;
    return (__mmask16)bits;
}

FL_AVX512 void fl_im2col_stride1_avx512(const float *x, long height, long width, long kh, long kw, long ph, long pw,
                                        long row_begin, long row_end, float *col, long row_stride) {
    taps_t t = taps_start(row_begin, height, width, kh, kw, ph, pw);
    long ho = t.ho, wo = t.wo, runs = (wo + 15) / 16;
    int flat = flat_form(width, wo);
    for (long r = row_begin; r < row_end; r++, taps_next(&t)) {
        const float *plane = x + t.c * height * width;
        float *row = col + (r - row_begin) * row_stride;
        if (flat) {
            // Flat output index q = oy·w + ox reads flat input q + dy·w + dx.
            long total = ho * wo, shift = t.dy * width + t.dx, valid0 = t.oy0 * width, valid1 = t.oy1 * width;
            __mmask16 columns = column_pattern(width, t.ox0, t.ox1);
            for (long q = 0; q < total; q += 16) {
                __mmask16 m = q >= valid0 && q + 16 <= valid1 ? columns : columns & lane_range(valid0 - q, valid1 - q);
                __m512 v = _mm512_maskz_loadu_ps(m, plane + q + shift);
                if (q + 16 <= total) _mm512_storeu_ps(row + q, v);
                else _mm512_mask_storeu_ps(row + q, lane_range(0, total - q), v);
            }
            continue;
        }
        // Each run's masks, once per tap when the row has at most FL_UNFOLD_RUNS runs.
        __mmask16 load[FL_UNFOLD_RUNS], store[FL_UNFOLD_RUNS];
        int cached = runs <= FL_UNFOLD_RUNS;
        for (long j = 0; cached && j < runs; j++) {
            load[j] = lane_range(t.ox0 - 16 * j, t.ox1 - 16 * j);
            store[j] = lane_range(0, wo - 16 * j);
        }
        for (long oy = 0; oy < ho; oy++) {
            float *dst = row + oy * wo;
            int inside = oy >= t.oy0 && oy < t.oy1;
            const float *src = plane + (oy + t.dy) * width + t.dx;  // only read where inside
            if (cached && inside) {
                for (long j = 0; j < runs; j++) _mm512_mask_storeu_ps(dst + 16 * j, store[j], _mm512_maskz_loadu_ps(load[j], src + 16 * j));
                continue;
            }
            for (long j = 0; j < runs; j++) {
                __mmask16 m = inside ? lane_range(t.ox0 - 16 * j, t.ox1 - 16 * j) : 0;
                _mm512_mask_storeu_ps(dst + 16 * j, lane_range(0, wo - 16 * j), _mm512_maskz_loadu_ps(m, src + 16 * j));
            }
        }
    }
}

FL_AVX512 void fl_col2im_add_stride1_avx512(const float *col, long row_stride, long channels, long height, long width, long kh,
                                            long kw, long ph, long pw, float *x) {
    taps_t t = taps_start(0, height, width, kh, kw, ph, pw);
    long wo = t.wo;
    int flat = flat_form(width, wo);
    for (long r = 0; r < channels * kh * kw; r++, taps_next(&t)) {
        float *plane = x + t.c * height * width;
        const float *row = col + r * row_stride;
        if (flat) {
            long shift = t.dy * width + t.dx, valid0 = t.oy0 * width, valid1 = t.oy1 * width;
            __mmask16 columns = column_pattern(width, t.ox0, t.ox1);
            for (long q = valid0 / 16 * 16; q < valid1; q += 16) {
                __mmask16 m = q >= valid0 && q + 16 <= valid1 ? columns : columns & lane_range(valid0 - q, valid1 - q);
                __m512 s = _mm512_maskz_loadu_ps(m, row + q), d = _mm512_maskz_loadu_ps(m, plane + q + shift);
                _mm512_mask_storeu_ps(plane + q + shift, m, _mm512_add_ps(d, s));
            }
            continue;
        }
        for (long oy = t.oy0; oy < t.oy1; oy++) {
            const float *src = row + oy * wo;
            float *dst = plane + (oy + t.dy) * width + t.dx;
            for (long ox = 0; ox < t.ox1; ox += 16) {
                __mmask16 m = lane_range(t.ox0 - ox, t.ox1 - ox);
                __m512 s = _mm512_maskz_loadu_ps(m, src + ox), d = _mm512_maskz_loadu_ps(m, dst + ox);
                _mm512_mask_storeu_ps(dst + ox, m, _mm512_add_ps(d, s));
            }
        }
    }
}

// The direct form of a stride-1 convolution with few taps (a 3-channel image's 27): no unfolded
// columns at all. Each 16 output columns of a row hold 16 output channels' sums in registers; per tap
// one masked load of the shifted input row (0 outside the image, as the unfold's zeros) and 16 fmas
// with the channels' weights. Each sum is the GEMM's: one fma chain over the taps in order from 0,
// then the bias added.
FL_AVX512 void fl_conv2d_stride1_avx512(const float *x, long channels, long height, long width, long kh, long kw, long ph, long pw,
                                        const float *weight, long outputs, const float *bias, float *y) {
    long ho = height + 2 * ph - kh + 1, wo = width + 2 * pw - kw + 1, p = ho * wo, taps = channels * kh * kw;
    for (long ob = 0; ob < outputs; ob += 16) {
        const float *wb = weight + ob * taps;
        for (long oy = 0; oy < ho; oy++) {
            for (long ox = 0; ox < wo; ox += 16) {
                __mmask16 out = lane_range(0, wo - ox);
                __m512 acc[16];
                for (int r = 0; r < 16; r++) acc[r] = _mm512_setzero_ps();
                long k = 0;
                for (long c = 0; c < channels; c++) {
                    for (long ki = 0; ki < kh; ki++) {
                        long iy = oy + ki - ph;
                        int inside = iy >= 0 && iy < height;
                        for (long kj = 0; kj < kw; kj++, k++) {
                            long ix = ox + kj - pw;  // the input column of lane 0
                            __mmask16 m = inside ? out & lane_range(-ix, width - ix) : 0;
                            __m512 v = _mm512_maskz_loadu_ps(m, x + (c * height + iy) * width + ix);
#pragma GCC unroll 16
                            for (int r = 0; r < 16; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(wb[r * taps + k]), v, acc[r]);
                        }
                    }
                }
                for (int r = 0; r < 16; r++) {
                    __m512 sum = bias ? _mm512_add_ps(acc[r], _mm512_set1_ps(bias[ob + r])) : acc[r];
                    _mm512_mask_storeu_ps(y + (ob + r) * p + oy * wo + ox, out, sum);
                }
            }
        }
    }
}

#else
void fl_conv2d_stride1_avx512(const float *x, long channels, long height, long width, long kh, long kw, long ph, long pw,
                              const float *weight, long outputs, const float *bias, float *y) {
    (void)x; (void)channels; (void)height; (void)width; (void)kh; (void)kw; (void)ph; (void)pw; (void)weight; (void)outputs;
    (void)bias; (void)y;
    abort();
}
void fl_im2col_stride1_avx512(const float *x, long height, long width, long kh, long kw, long ph, long pw, long row_begin,
                              long row_end, float *col, long row_stride) {
    (void)x; (void)height; (void)width; (void)kh; (void)kw; (void)ph; (void)pw; (void)row_begin; (void)row_end; (void)col;
    (void)row_stride;
    abort();  // callers check fl_kernels_use_avx512 first
}
void fl_col2im_add_stride1_avx512(const float *col, long row_stride, long channels, long height, long width, long kh, long kw,
                                  long ph, long pw, float *x) {
    (void)col; (void)row_stride; (void)channels; (void)height; (void)width; (void)kh; (void)kw; (void)ph; (void)pw; (void)x;
    abort();
}
#endif
