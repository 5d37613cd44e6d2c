#ifndef FUSIONLAB_DELIMITED_TEXT_H
#define FUSIONLAB_DELIMITED_TEXT_H

#include <stddef.h>
#include <stdint.h>

/// Marks the bytes that can end an unquoted field of delimited text: bit j of `bits` (word j / 64,
/// bit j % 64) is set when b[j] is `delimiter`, '\n', '\r' or '"', for j < n. Every bit from n to
/// the end of word n / 64 is set too, so a search for the next marked byte from any j <= n stops
/// at n at the latest. `bits` must hold n / 64 + 1 words. Returns nonzero when some byte is a
/// quote or a carriage return: when none is, every marked byte ends a field and a line feed ends
/// a record, and a reader may take that fast path.
int fl_delimited_stops(const uint8_t *b, size_t n, uint8_t delimiter, uint64_t *bits);

/// A hint that `p` will be read soon: lookups in a hash table far larger than the caches stall
/// on each probe, and asking for the line a few fields ahead overlaps those stalls.
static inline void fl_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Maps every whole page of `p[0..<bytes]` now, in one call (Linux `MADV_POPULATE_WRITE`;
/// elsewhere, or on an older kernel, nothing). A table's columns are reserved once for the rows
/// of a large file and then written front to back: page by page, each fresh page would cost a
/// fault. Returns whether the pages were mapped. Memory stays the caller's, contents unchanged.
int fl_populate_pages(void *p, size_t bytes);

#endif
