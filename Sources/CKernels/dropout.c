#include "fl_kernels.h"

// Inverted dropout's mask drawn from FusionLab's xoshiro256** stream (Tensor's RandomGenerator,
// the same steps), fused with its application: element j takes bits 16·(j mod 4) ..< +16 of draw
// j / 4 and is dropped when they fall below `threshold`. The stream is one serial chain; AVX-512
// turns four draws into 16 factors and products at once instead of four lanes a draw. Plain
// dropout keeps the mask for backward; attention's blocks redraw theirs (no mask kept), starting
// at any element of the stream.

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next_draw(uint64_t s[4]) {
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/// Elements j ..< n, j a multiple of 4 from the stream's current draw (`mask` may be NULL).
static void dropout_portable(uint64_t s[4], long j, long n, uint32_t threshold, float scale, const float *x, float *mask, float *y) {
    while (j < n) {
        uint64_t r = next_draw(s);
        for (int lane = 0; lane < 4 && j < n; lane++, j++, r >>= 16) {
            float factor = (uint32_t)(r & 0xFFFF) < threshold ? 0 : scale;
            if (mask) mask[j] = factor;
            y[j] = x[j] * factor;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static void dropout_avx512(uint64_t s[4], long n, uint32_t threshold, float scale, const float *x,
                                                             float *mask, float *y) {
    const __m512i limit = _mm512_set1_epi32((int)threshold);
    const __m512 scales = _mm512_set1_ps(scale);
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        uint64_t d[4] = {next_draw(s), next_draw(s), next_draw(s), next_draw(s)};
        // 16 little-endian 16-bit lanes: element j + k is bits 16·(k mod 4) of draw k / 4.
        __m512i lanes = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)d));
        __m512 factor = _mm512_maskz_mov_ps(_mm512_cmpge_epu32_mask(lanes, limit), scales);
        if (mask) _mm512_storeu_ps(mask + j, factor);
        _mm512_storeu_ps(y + j, _mm512_mul_ps(_mm512_loadu_ps(x + j), factor));
    }
    dropout_portable(s, j, n, threshold, scale, x, mask, y);
}
#endif

void fl_dropout(uint64_t state[4], long first_lane, long count, uint32_t threshold, float scale, const float *x, float *mask, float *y) {
    // A run starting inside a draw (first_lane 1…3) takes that draw's remaining lanes first.
    long head = 0;
    if (first_lane > 0 && count > 0) {
        uint64_t r = next_draw(state) >> (16 * first_lane);
        for (long lane = first_lane; lane < 4 && head < count; lane++, head++, r >>= 16) {
            float factor = (uint32_t)(r & 0xFFFF) < threshold ? 0 : scale;
            if (mask) mask[head] = factor;
            y[head] = x[head] * factor;
        }
    }
    x += head, y += head, count -= head;
    if (mask) mask += head;
#if defined(__x86_64__)
    if (fl_kernels_use_avx512()) { dropout_avx512(state, count, threshold, scale, x, mask, y); return; }
#endif
    dropout_portable(state, 0, count, threshold, scale, x, mask, y);
}
