// The first stage of reading delimited text: one pass that marks every byte that can end an
// unquoted field, 64 bytes to a word. Finding a field's end is then a trailing-zero count instead
// of a byte loop; the reader in Datasets does everything else (quotes, records, errors).
#include "delimited_text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older C libraries lack the name
#endif
#endif

static inline int is_stop(uint8_t c, uint8_t delimiter) {
    return c == delimiter || c == '\n' || c == '\r' || c == '"';
}

static inline int is_quote_or_cr(uint8_t c) { return c == '\r' || c == '"'; }

int fl_delimited_stops(const uint8_t *b, size_t n, uint8_t delimiter, uint64_t *bits) {
    size_t full = n / 64, w = 0;
    int special = 0;
#if defined(__SSE2__)
    // SSE2 is part of x86-64 itself, so this needs no runtime check.
    const __m128i d = _mm_set1_epi8((char)delimiter), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  q = _mm_set1_epi8('"');
    __m128i seen = _mm_setzero_si128();
    for (; w < full; w++) {
        uint64_t word = 0;
        for (int k = 0; k < 4; k++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(b + 64 * w + 16 * k));
            __m128i rare = _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, q));
            seen = _mm_or_si128(seen, rare);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, lf)), rare);
            word |= (uint64_t)(uint16_t)_mm_movemask_epi8(m) << (16 * k);
        }
        bits[w] = word;
    }
    special = _mm_movemask_epi8(seen) != 0;
#endif
    for (; w < full; w++) {
        uint64_t word = 0;
        for (int j = 0; j < 64; j++) {
            word |= (uint64_t)is_stop(b[64 * w + j], delimiter) << j;
            special |= is_quote_or_cr(b[64 * w + j]);
        }
        bits[w] = word;
    }
    size_t rest = n - 64 * full;
    uint64_t last = rest == 0 ? ~(uint64_t)0 : ~(uint64_t)0 << rest;  // the sentinel bits
    for (size_t j = 0; j < rest; j++) {
        last |= (uint64_t)is_stop(b[64 * full + j], delimiter) << j;
        special |= is_quote_or_cr(b[64 * full + j]);
    }
    bits[full] = last;
    return special;
}

int fl_populate_pages(void *p, size_t bytes) {
#if defined(__linux__)
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1), end = ((uintptr_t)p + bytes) & ~(page - 1);
    if (end <= start) return 0;
    return madvise((void *)start, end - start, MADV_POPULATE_WRITE) == 0;
#else
    (void)p;
    (void)bytes;
    return 0;
#endif
}
