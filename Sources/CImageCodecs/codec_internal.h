#pragma once
// Helpers shared by the codec files; not part of the public header.
#include "image_codecs.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Writes a formatted, NUL-terminated reason into the caller's buffer (if any).
static inline void fl_set_message(char *message, size_t capacity, const char *format, ...) {
    if (message == NULL || capacity == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(message, capacity, format, args);
    va_end(args);
}

/// malloc that never asks for 0 bytes (whose result may be NULL).
static inline void *fl_allocate(size_t bytes) { return malloc(bytes > 0 ? bytes : 1); }

/// A malloc'd byte buffer that doubles as it fills (encoder output).
typedef struct fl_byte_buffer {
    uint8_t *bytes;
    size_t size;
    size_t capacity;
} fl_byte_buffer;

/// Makes room for `extra` more bytes; returns 0 when out of memory (buffer left intact).
static inline int fl_byte_buffer_reserve(fl_byte_buffer *buffer, size_t extra) {
    if (buffer->capacity - buffer->size >= extra) return 1;
    size_t capacity = buffer->capacity ? buffer->capacity : 16384;
    while (capacity - buffer->size < extra) {
        if (capacity > SIZE_MAX / 2) return 0;
        capacity *= 2;
    }
    uint8_t *grown = (uint8_t *)realloc(buffer->bytes, capacity);
    if (grown == NULL) return 0;
    buffer->bytes = grown;
    buffer->capacity = capacity;
    return 1;
}

fl_image_status fl_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels,
                              fl_decoded_image *out, char *message, size_t message_capacity);
fl_image_status fl_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels,
                               fl_decoded_image *out, char *message, size_t message_capacity);

/// Shared JPEG writer: `components` samples per pixel in `in_space`, stored as `jpeg_space`
/// (both libjpeg J_COLOR_SPACE values, passed as int to keep jpeglib.h out of this header).
fl_image_status fl_encode_jpeg_samples(const uint8_t *samples, int32_t width, int32_t height,
                                       int components, int in_space, int jpeg_space,
                                       int32_t quality, int32_t flags,
                                       fl_encoded_image *out, char *message, size_t message_capacity);
