#include "fl_kernels.h"
#include "lanes_avx512.h"

// Attention's softmax weights for one (batch entry, head) block: the scores Q·Kᵀ, then a softmax
// row each, as fl_attention_scores then fl_softmax_row give them, bit for bit (each score one fma
// chain over the head dimension in order; each row the softmax steps of lanes_avx512.h).
//
// The AVX-512 path writes Kᵀ into the scratch by 16×16 register transposes (the scores kernel
// copies it value by value), then takes four query rows at a time against up to 64 keys: 16
// accumulators, each step four loads of Kᵀ and four broadcasts of Q. While the keys fit those 64
// (a window of 50), each row's softmax runs on the accumulators — four independent rows whose
// reductions overlap — and the weights are stored once; longer rows store their scores and take
// the softmax row by row.

#if defined(__x86_64__)
#define ROWS 4
#define TILES 4

/// Kᵀ into `kt`, rows of `lkp` (lk rounded up to 16) with zeros past lk.
FL_AVX512_LANES static void transpose_keys(const float *k, long ldk, long lk, long dh, float *kt, long lkp) {
    for (long j0 = 0; j0 < lkp; j0 += 16)
        for (long c0 = 0; c0 < dh; c0 += 16) {
            long width = dh - c0 < 16 ? dh - c0 : 16;
            __mmask16 columns = fl_tail_mask16(width);
            __m512 r[16];
            for (long i = 0; i < 16; i++)
                r[i] = j0 + i < lk ? _mm512_maskz_loadu_ps(columns, k + (j0 + i) * ldk + c0) : _mm512_setzero_ps();
            fl_transpose16(r);
            for (long c = 0; c < width; c++) _mm512_storeu_ps(kt + (c0 + c) * lkp + j0, r[c]);
        }
}

/// Rows `q[0..<rows]` (≤ ROWS; the rest repeat the last and are dropped) against keys j0…j0+16·tiles:
/// with `softmax` (j0 = 0, every key in the tiles) their weights, else their scores, into `y`.
FL_AVX512_LANES static inline __attribute__((always_inline)) void row_block(const float *q, long ldq, long rows, const float *kt,
                                                                          long lkp, long j0, int tiles, long lk, long dh,
                                                                          const float *excluded, int softmax, float *y, long ldy) {
    __m512 acc[ROWS][TILES];
    const float *qr[ROWS];
    for (int r = 0; r < ROWS; r++) {
        qr[r] = q + (r < rows ? r : rows - 1) * ldq;
        for (int t = 0; t < TILES; t++) acc[r][t] = _mm512_setzero_ps();
    }
    for (long c = 0; c < dh; c++) {
        __m512 b[TILES];
        for (int t = 0; t < tiles; t++) b[t] = _mm512_loadu_ps(kt + c * lkp + j0 + 16 * t);
        for (int r = 0; r < ROWS; r++) {
            __m512 a = _mm512_set1_ps(qr[r][c]);
            for (int t = 0; t < tiles; t++) acc[r][t] = _mm512_fmadd_ps(a, b[t], acc[r][t]);
        }
    }
    for (long r = 0; r < rows; r++) {
        float *out = y + r * ldy + j0;
        if (!softmax) {
            for (int t = 0; t < tiles && j0 + 16 * t < lk; t++) {
                long left = lk - j0 - 16 * t;
                if (left >= 16) _mm512_storeu_ps(out + 16 * t, acc[r][t]);
                else _mm512_mask_storeu_ps(out + 16 * t, fl_tail_mask16(left), acc[r][t]);
            }
            continue;
        }
        __m512 vm = _mm512_set1_ps(-INFINITY);
        for (int t = 0; t < tiles; t++) vm = fl_softmax_max16(vm, acc[r][t], excluded, 16 * t, lk);
        __m512 shift = fl_softmax_shift(vm);
        __m256 sum = _mm256_setzero_ps();
        __m512 e[TILES];
        for (int t = 0; t < tiles; t++) e[t] = fl_softmax_exp16(acc[r][t], shift, excluded, 16 * t, lk, &sum);
        __m512 inv = _mm512_set1_ps(fl_softmax_inverse(sum));
        for (int t = 0; t < tiles; t++) {
            long left = lk - 16 * t;
            __m512 w = _mm512_mul_ps(e[t], inv);
            if (left >= 16) _mm512_storeu_ps(out + 16 * t, w);
            else _mm512_mask_storeu_ps(out + 16 * t, fl_tail_mask16(left), w);
        }
    }
}

FL_AVX512_LANES static void weights_avx512(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh,
                                          const float *excluded, float *y, long ldy, float *scratch) {
    long lkp = (lk + 15) / 16 * 16;
    transpose_keys(k, ldk, lk, dh, scratch, lkp);
    int fused = lkp <= 16 * TILES;
    for (long i = 0; i < lq; i += ROWS) {
        long rows = lq - i < ROWS ? lq - i : ROWS;
        const float *qi = q + i * ldq;
        float *yi = y + i * ldy;
        for (long j0 = 0; j0 < lkp; j0 += 16 * TILES) {
            int tiles = (lkp - j0) / 16 < TILES ? (int)((lkp - j0) / 16) : TILES;
            // One specialisation per tile count, so the accumulators stay in registers.
            switch (tiles) {
            case 1: row_block(qi, ldq, rows, scratch, lkp, j0, 1, lk, dh, excluded, fused, yi, ldy); break;
            case 2: row_block(qi, ldq, rows, scratch, lkp, j0, 2, lk, dh, excluded, fused, yi, ldy); break;
            case 3: row_block(qi, ldq, rows, scratch, lkp, j0, 3, lk, dh, excluded, fused, yi, ldy); break;
            default: row_block(qi, ldq, rows, scratch, lkp, j0, 4, lk, dh, excluded, fused, yi, ldy); break;
            }
        }
        if (!fused)
            for (long r = 0; r < rows; r++) fl_softmax_row(yi + r * ldy, yi + r * ldy, lk, excluded);
    }
}
#endif

void fl_attention_weights(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh, const float *excluded,
                          float *y, long ldy, float *scratch) {
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) { weights_avx512(q, ldq, k, ldk, lq, lk, dh, excluded, y, ldy, scratch); return; }
#endif
    fl_attention_scores(q, ldq, k, ldk, lq, lk, dh, y, ldy, scratch);
    for (long i = 0; i < lq; i++) fl_softmax_row(y + i * ldy, y + i * ldy, lk, excluded);
}
