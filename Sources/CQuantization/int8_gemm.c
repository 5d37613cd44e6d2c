#include "int8_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

long fl_int8_packed_size(int n, int k) {
    long blocks = (n + FL_INT8_BLOCK - 1) / FL_INT8_BLOCK;
    return blocks * FL_INT8_BLOCK * (long)fl_int8_padded_inputs(k);
}

void fl_int8_pack_weights(const int8_t *w, int n, int k, int8_t *packed, int32_t *row_sums) {
    int kp = fl_int8_padded_inputs(k);
    memset(packed, 0, (size_t)fl_int8_packed_size(n, k));
    for (int j = 0; j < n; j++) {
        int block = j / FL_INT8_BLOCK, lane = j % FL_INT8_BLOCK;
        int8_t *dst = packed + (long)block * FL_INT8_BLOCK * kp;
        int32_t sum = 0;
        for (int x = 0; x < k; x++) {
            int8_t v = w[(long)j * k + x];
            // Group x/4 holds FL_INT8_BLOCK lanes of 4 inputs each.
            dst[((long)(x / 4) * FL_INT8_BLOCK + lane) * 4 + x % 4] = v;
            sum += v;
        }
        row_sums[j] = sum;
    }
}

void fl_quantize_weights_s8(const float *w, int n, int k, int8_t *q, float *scales) {
    for (int j = 0; j < n; j++) {
        const float *row = w + (long)j * k;
        float largest = 0;
        for (int x = 0; x < k; x++) largest = fabsf(row[x]) > largest ? fabsf(row[x]) : largest;
        float s = largest > 0 ? largest / 127.0f : 1.0f;
        for (int x = 0; x < k; x++) {
            long v = lrintf(row[x] / s);
            q[(long)j * k + x] = (int8_t)(v < -127 ? -127 : (v > 127 ? 127 : v));
        }
        scales[j] = s;
    }
}

static int cpu_has_avx2(void);
static int cpu_has_avx512(void);

// Rounds x·inv to the nearest integer (ties to even, as lrintf in the default rounding mode),
// adds the zero point and saturates to 0…255.
static void quantize_span_portable(const float *x, long count, float inv, int32_t z, uint8_t *q) {
    for (long i = 0; i < count; i++) {
        int32_t v = (int32_t)lrintf(x[i] * inv) + z;
        q[i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
}

static void min_max_portable(const float *x, long count, float *lo, float *hi) {
    float a = 0, b = 0;
    for (long i = 0; i < count; i++) {
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *lo = a;
    *hi = b;
}

#if defined(__x86_64__)
// The same results 8 floats at a time (cvtps2dq rounds as lrintf; min and max are exact in any order).
__attribute__((target("avx2")))
static void quantize_span_avx2(const float *x, long count, float inv, int32_t z, uint8_t *q) {
    __m256 scale = _mm256_set1_ps(inv);
    __m256i zero = _mm256_set1_epi32(z), low = _mm256_setzero_si256(), high = _mm256_set1_epi32(255);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256i v = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), scale)), zero);
        v = _mm256_min_epi32(_mm256_max_epi32(v, low), high);
        __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        _mm_storel_epi64((__m128i *)(q + i), _mm_packus_epi16(words, words));
    }
    quantize_span_portable(x + i, count - i, inv, z, q + i);
}

__attribute__((target("avx2")))
static void min_max_avx2(const float *x, long count, float *lo, float *hi) {
    __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        a = _mm256_min_ps(a, v);
        b = _mm256_max_ps(b, v);
    }
    float la[8], hb[8];
    _mm256_storeu_ps(la, a);
    _mm256_storeu_ps(hb, b);
    float tail_lo, tail_hi;
    min_max_portable(x + i, count - i, &tail_lo, &tail_hi);
    for (int k = 0; k < 8; k++) {
        tail_lo = la[k] < tail_lo ? la[k] : tail_lo;
        tail_hi = hb[k] > tail_hi ? hb[k] : tail_hi;
    }
    *lo = tail_lo;
    *hi = tail_hi;
}
#endif

#if defined(__x86_64__)
// 16 at a time with a masked tail, and 4 independent min/max chains (one chain waits on the
// latency of each step). Masked-off lanes load 0, which the range includes anyway.
__attribute__((target("avx512f")))
static void quantize_span_avx512(const float *x, long count, float inv, int32_t z, uint8_t *q) {
    __m512 scale = _mm512_set1_ps(inv);
    __m512i zero = _mm512_set1_epi32(z), low = _mm512_setzero_si512();
    for (long i = 0; i < count; i += 16) {
        __mmask16 m = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1);
        __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), scale)), zero);
        // Negative → 0 here, above 255 → 255 by the unsigned saturating narrowing.
        _mm512_mask_cvtusepi32_storeu_epi8(q + i, m, _mm512_max_epi32(v, low));
    }
}

__attribute__((target("avx512f")))
static void min_max_avx512(const float *x, long count, float *lo, float *hi) {
    __m512 a[4], b[4];
    for (int k = 0; k < 4; k++) a[k] = b[k] = _mm512_setzero_ps();
    long i = 0;
    for (; i + 64 <= count; i += 64)
        for (int k = 0; k < 4; k++) {
            __m512 v = _mm512_loadu_ps(x + i + 16 * k);
            a[k] = _mm512_min_ps(v, a[k]);
            b[k] = _mm512_max_ps(v, b[k]);
        }
    for (; i < count; i += 16) {
        __mmask16 m = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        a[0] = _mm512_min_ps(v, a[0]);
        b[0] = _mm512_max_ps(v, b[0]);
    }
    *lo = _mm512_reduce_min_ps(_mm512_min_ps(_mm512_min_ps(a[0], a[1]), _mm512_min_ps(a[2], a[3])));
    *hi = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(b[0], b[1]), _mm512_max_ps(b[2], b[3])));
}
#endif

void fl_int8_quantize_span(const float *x, long count, float inv, int32_t z, uint8_t *q) {
#if defined(__x86_64__)
    if (cpu_has_avx512()) { quantize_span_avx512(x, count, inv, z, q); return; }
    if (cpu_has_avx2()) { quantize_span_avx2(x, count, inv, z, q); return; }
#endif
    quantize_span_portable(x, count, inv, z, q);
}

void fl_int8_min_max(const float *x, long count, float *lo, float *hi) {
#if defined(__x86_64__)
    if (cpu_has_avx512()) { min_max_avx512(x, count, lo, hi); return; }
    if (cpu_has_avx2()) { min_max_avx2(x, count, lo, hi); return; }
#endif
    min_max_portable(x, count, lo, hi);
}

void fl_int8_range(float lo, float hi, float *scale, int32_t *zero) {
    lo = lo < 0 ? lo : 0;
    hi = hi > 0 ? hi : 0;
    float s = (hi - lo) / 255.0f;
    if (!(s > 0)) s = 1;  // all zeros: any scale is exact
    int32_t z = (int32_t)lrintf(-lo / s);
    *scale = s;
    *zero = z < 0 ? 0 : (z > 255 ? 255 : z);
}

static void quantize_range(const float *x, long count, float lo, float hi, uint8_t *q, float *scale, int32_t *zero) {
    fl_int8_range(lo, hi, scale, zero);
    fl_int8_quantize_span(x, count, 1.0f / *scale, *zero, q);
}

#if defined(__x86_64__)
// fl_quantize_rows_u8 with the CPU checked once per call, not twice per row (a Linear's rows are short).
__attribute__((target("avx512f")))
static void quantize_rows_avx512(const float *x, int rows, int k, long ld, uint8_t *q, long ldq, float *scales, int32_t *zero_points) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + r * ld;
        float lo, hi;
        min_max_avx512(row, k, &lo, &hi);
        fl_int8_range(lo, hi, scales + r, zero_points + r);
        quantize_span_avx512(row, k, 1.0f / scales[r], zero_points[r], q + r * ldq);
        if (ldq > k) memset(q + r * ldq + k, 0, (size_t)(ldq - k));
    }
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void quantize_planes_avx512(const float *x, int planes, int height, int width, float inv, int32_t z, uint8_t *q, long plane_stride,
                                   long row_stride) {
    for (int p = 0; p < planes; p++)
        for (int r = 0; r < height; r++)
            quantize_span_avx512(x + ((long)p * height + r) * width, width, inv, z, q + p * plane_stride + r * row_stride);
}
#endif

void fl_int8_quantize_planes(const float *x, int planes, int height, int width, float inv, int32_t z, uint8_t *q, long plane_stride,
                             long row_stride) {
#if defined(__x86_64__)
    if (cpu_has_avx512()) { quantize_planes_avx512(x, planes, height, width, inv, z, q, plane_stride, row_stride); return; }
#endif
    for (int p = 0; p < planes; p++)
        for (int r = 0; r < height; r++)
            fl_int8_quantize_span(x + ((long)p * height + r) * width, width, inv, z, q + p * plane_stride + r * row_stride);
}

void fl_quantize_rows_u8(const float *x, int rows, int k, long ld, uint8_t *q, long ldq, float *scales, int32_t *zero_points) {
#if defined(__x86_64__)
    if (cpu_has_avx512()) { quantize_rows_avx512(x, rows, k, ld, q, ldq, scales, zero_points); return; }
#endif
    for (int r = 0; r < rows; r++) {
        const float *row = x + r * ld;
        float lo, hi;
        fl_int8_min_max(row, k, &lo, &hi);
        quantize_range(row, k, lo, hi, q + r * ldq, scales + r, zero_points + r);
        memset(q + r * ldq + k, 0, (size_t)(ldq - k));
    }
}

void fl_quantize_tensor_u8(const float *x, long count, uint8_t *q, float *scale, int32_t *zero_point) {
    float lo, hi;
    fl_int8_min_max(x, count, &lo, &hi);
    quantize_range(x, count, lo, hi, q, scale, zero_point);
}

// Every row against one block of FL_INT8_BLOCK packed channels (`columns` of them real).
typedef void block_kernel(const struct gemm_args *g, int j0, const int8_t *block, int columns, int groups);

static void for_each_block(const struct gemm_args *g, block_kernel *kernel) {
    int groups = fl_int8_padded_inputs(g->k) / 4;
    for (int j0 = 0; j0 < g->n; j0 += FL_INT8_BLOCK) {
        int columns = g->n - j0 < FL_INT8_BLOCK ? g->n - j0 : FL_INT8_BLOCK;
        kernel(g, j0, g->packed + (long)(j0 / FL_INT8_BLOCK) * FL_INT8_BLOCK * groups * 4, columns, groups);
    }
}

static void block_portable(const struct gemm_args *g, int j0, const int8_t *block, int columns, int groups) {
    for (int i = 0; i < g->m; i++) {
        const uint8_t *row = g->a + i * g->lda;
        int32_t acc[FL_INT8_BLOCK] = {0};
        for (int q = 0; q < groups; q++) {
            const uint8_t *x = row + 4 * q;
            const int8_t *w = block + (long)q * FL_INT8_BLOCK * 4;
            for (int lane = 0; lane < FL_INT8_BLOCK; lane++) {
                acc[lane] += x[0] * w[4 * lane] + x[1] * w[4 * lane + 1] + x[2] * w[4 * lane + 2] + x[3] * w[4 * lane + 3];
            }
        }
        fl_int8_dequantize(g, i, j0, columns, acc);
    }
}

#if defined(__x86_64__)

// 4 rows × 16 channels per step: 8 accumulators of 8 int32, vpdpbusd adding 4 u8×s8 products
// per lane (no intermediate saturation, unlike vpmaddubsw). Rows past m repeat the last row and
// are not stored, so the loop has no remainder branch.
__attribute__((target("avx2,avxvnni")))
static void block_vnni(const struct gemm_args *g, int j0, const int8_t *block, int columns, int groups) {
    int m = g->m;
    long lda = g->lda;
    for (int i0 = 0; i0 < m; i0 += 4) {
        const uint8_t *r0 = g->a + i0 * lda;
        const uint8_t *r1 = i0 + 1 < m ? r0 + lda : r0;
        const uint8_t *r2 = i0 + 2 < m ? r0 + 2 * lda : r0;
        const uint8_t *r3 = i0 + 3 < m ? r0 + 3 * lda : r0;
        __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
        __m256i c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256();
        __m256i c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256();
        __m256i c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256();
        for (int q = 0; q < groups; q++) {
            const int8_t *w = block + (long)q * FL_INT8_BLOCK * 4;
            __m256i b0 = _mm256_loadu_si256((const __m256i *)w);
            __m256i b1 = _mm256_loadu_si256((const __m256i *)(w + 32));
            int32_t x0, x1, x2, x3;
            memcpy(&x0, r0 + 4 * q, 4);
            memcpy(&x1, r1 + 4 * q, 4);
            memcpy(&x2, r2 + 4 * q, 4);
            memcpy(&x3, r3 + 4 * q, 4);
            __m256i a0 = _mm256_set1_epi32(x0), a1 = _mm256_set1_epi32(x1);
            __m256i a2 = _mm256_set1_epi32(x2), a3 = _mm256_set1_epi32(x3);
            c00 = _mm256_dpbusd_avx_epi32(c00, a0, b0); c01 = _mm256_dpbusd_avx_epi32(c01, a0, b1);
            c10 = _mm256_dpbusd_avx_epi32(c10, a1, b0); c11 = _mm256_dpbusd_avx_epi32(c11, a1, b1);
            c20 = _mm256_dpbusd_avx_epi32(c20, a2, b0); c21 = _mm256_dpbusd_avx_epi32(c21, a2, b1);
            c30 = _mm256_dpbusd_avx_epi32(c30, a3, b0); c31 = _mm256_dpbusd_avx_epi32(c31, a3, b1);
        }
        int32_t acc[4][FL_INT8_BLOCK];
        _mm256_storeu_si256((__m256i *)acc[0], c00); _mm256_storeu_si256((__m256i *)(acc[0] + 8), c01);
        _mm256_storeu_si256((__m256i *)acc[1], c10); _mm256_storeu_si256((__m256i *)(acc[1] + 8), c11);
        _mm256_storeu_si256((__m256i *)acc[2], c20); _mm256_storeu_si256((__m256i *)(acc[2] + 8), c21);
        _mm256_storeu_si256((__m256i *)acc[3], c30); _mm256_storeu_si256((__m256i *)(acc[3] + 8), c31);
        for (int r = 0; r < 4 && i0 + r < m; r++) {
            int i = i0 + r;
            if (columns < FL_INT8_BLOCK || g->column_stride != 1) { fl_int8_dequantize(g, i, j0, columns, acc[r]); continue; }
            // The same arithmetic as dequantize, 8 lanes at a time (no contraction into FMA).
            __m256 scale = _mm256_set1_ps(g->a_scales[i]);
            __m256i zero = _mm256_set1_epi32(g->a_zero_points[i]);
            for (int h = 0; h < FL_INT8_BLOCK; h += 8) {
                __m256i sums = _mm256_loadu_si256((const __m256i *)(g->row_sums + j0 + h));
                __m256i exact = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(acc[r] + h)), _mm256_mullo_epi32(zero, sums));
                __m256 v = _mm256_mul_ps(_mm256_mul_ps(scale, _mm256_loadu_ps(g->w_scales + j0 + h)), _mm256_cvtepi32_ps(exact));
                if (g->bias) v = _mm256_add_ps(v, _mm256_loadu_ps(g->bias + j0 + h));
                _mm256_storeu_ps(g->c + i * g->row_stride + j0 + h, v);
            }
        }
    }
}

static int detect_vnni(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return 0;
    int avx_vnni = (eax >> 4) & 1;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    int avx2 = (ebx >> 5) & 1;
    // The OS must save YMM state (OSXSAVE and XCR0 bits 1-2).
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !((ecx >> 27) & 1)) return 0;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return avx_vnni && avx2 && (lo & 6) == 6;
}

static int cpu_has_avx2(void) {
    static int cached = -1;  // a benign race: every thread computes the same value
    if (cached < 0) cached = __builtin_cpu_supports("avx2") ? 1 : 0;
    return cached;
}

static int cpu_has_avx512(void) {
    static int cached = -1;  // a benign race, as above
    if (cached < 0) cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return cached;
}

int fl_int8_cpu_has_avx_vnni(void) {
    static int cached = -1;  // a benign race: every thread computes the same value
    if (cached < 0) cached = detect_vnni();
    return cached;
}

int fl_int8_cpu_has_avx512_vnni(void) {
    static int cached = -1;  // a benign race, as above
    if (cached < 0) cached = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
    return cached;
}

#else
static int cpu_has_avx2(void) { return 0; }
static int cpu_has_avx512(void) {
    static int cached = -1;  // a benign race, as above
    if (cached < 0) cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return cached;
}

int fl_int8_cpu_has_avx_vnni(void) { return 0; }
int fl_int8_cpu_has_avx512_vnni(void) { return 0; }
#endif

int fl_int8_kernel_supported(int kernel) {
    switch (kernel) {
    case FL_INT8_BEST: case FL_INT8_PORTABLE: return 1;
    case FL_INT8_AVX_VNNI: return fl_int8_cpu_has_avx_vnni();
    case FL_INT8_AVX512_VNNI: return fl_int8_cpu_has_avx512_vnni();
    default: return 0;
    }
}

int fl_int8_resolve_kernel(int kernel) {
    if (kernel == FL_INT8_BEST)
        return fl_int8_cpu_has_avx512_vnni() ? FL_INT8_AVX512_VNNI : fl_int8_cpu_has_avx_vnni() ? FL_INT8_AVX_VNNI : FL_INT8_PORTABLE;
    return fl_int8_kernel_supported(kernel) ? kernel : FL_INT8_PORTABLE;
}

void fl_int8_gemm(int m, int n, int k, const uint8_t *a, long lda, const float *a_scales, const int32_t *a_zero_points,
                  const int8_t *packed, const int32_t *row_sums, const float *w_scales, const float *bias,
                  float *c, long row_stride, long column_stride, int kernel) {
    struct gemm_args g = {m, n, k, a, lda, a_scales, a_zero_points, packed, row_sums, w_scales, bias, c, row_stride, column_stride};
    switch (fl_int8_resolve_kernel(kernel)) {
#if defined(__x86_64__)
    case FL_INT8_AVX512_VNNI: fl_int8_gemm_avx512(&g); return;
    case FL_INT8_AVX_VNNI: for_each_block(&g, block_vnni); return;
#endif
    default: for_each_block(&g, block_portable);
    }
}
