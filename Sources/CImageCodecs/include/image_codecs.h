#pragma once
// JPEG (libjpeg-turbo) and PNG (libpng) decoding to 8-bit RGB, and encoding from it.
//
// Every libjpeg/libpng error is caught with setjmp/longjmp and returned as a status plus a
// message, so a bad file never aborts the process. Buffers handed to the caller are malloc'd
// and released with fl_image_free; nothing leaks on error paths.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fl_image_status {
    FL_IMAGE_OK = 0,
    FL_IMAGE_EMPTY,             // zero bytes
    FL_IMAGE_UNKNOWN_FORMAT,    // magic bytes are neither PNG nor JPEG
    FL_IMAGE_TOO_LARGE,         // width*height from the header exceeds max_pixels
    FL_IMAGE_TRUNCATED,         // data ends before the image does
    FL_IMAGE_CORRUPT,           // the codec rejected the data (bad CRC, bad Huffman code, ...)
    FL_IMAGE_UNSUPPORTED,       // valid file the shim does not convert (e.g. 2-component JPEG)
    FL_IMAGE_OUT_OF_MEMORY,
    FL_IMAGE_INVALID_ARGUMENT,  // caller error: bad dimensions, quality, ...
} fl_image_status;

typedef enum fl_image_format {
    FL_IMAGE_FORMAT_UNKNOWN = 0,
    FL_IMAGE_FORMAT_PNG,
    FL_IMAGE_FORMAT_JPEG,
} fl_image_format;

typedef struct fl_decoded_image {
    int32_t width;            // set once the header is read (also for FL_IMAGE_TOO_LARGE)
    int32_t height;
    fl_image_format format;
    uint8_t *pixels;          // width*height*3 interleaved RGB; NULL unless FL_IMAGE_OK
} fl_decoded_image;

typedef struct fl_encoded_image {
    uint8_t *bytes;           // NULL unless FL_IMAGE_OK; free with fl_image_free
    size_t size;
} fl_encoded_image;

/// The format named by the magic bytes (PNG signature, or JPEG SOI followed by a marker).
fl_image_format fl_image_sniff(const uint8_t *data, size_t size);

/// Decodes a PNG or JPEG (sniffed from magic bytes) to 8-bit RGB.
/// PNG: palette/gray/16-bit/interlaced inputs are expanded; alpha (and tRNS) is composited
/// over white. JPEG: gray/YCbCr/RGB via libjpeg; CMYK/YCCK converted by hand (Adobe
/// inverted CMYK when an Adobe marker is present). Any libjpeg corrupt-data warning
/// (truncation included) is a failure. `max_pixels` bounds width*height before allocation.
/// `message` (may be NULL) receives a NUL-terminated reason on failure.
fl_image_status fl_image_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                                fl_decoded_image *out, char *message, size_t message_capacity);

/// 8-bit RGB → PNG (compression level 6, no interlace).
fl_image_status fl_image_encode_png(const uint8_t *rgb, int32_t width, int32_t height,
                                    fl_encoded_image *out, char *message, size_t message_capacity);

/// 8-bit RGB → JPEG (YCbCr 4:2:0) at `quality` 1...100, optionally progressive.
fl_image_status fl_image_encode_jpeg(const uint8_t *rgb, int32_t width, int32_t height,
                                     int32_t quality, int32_t progressive,
                                     fl_encoded_image *out, char *message, size_t message_capacity);

/// Releases pixels or encoded bytes returned by this shim (NULL is fine).
void fl_image_free(void *pointer);

// ---- Test-only writers: unusual inputs the decoder must accept. Not for production use. ----

/// PNG with any colour type / bit depth. `samples` hold one sample per byte for bit depths
/// 1...8 (libpng packs them) or one host-order uint16 per sample for 16; rows are unpadded.
typedef struct fl_testing_png_options {
    int32_t color_type;              // PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int32_t bit_depth;               // 1, 2, 4, 8 or 16 (as the colour type allows)
    int32_t interlaced;              // Adam7 when nonzero
    const uint8_t *palette_rgb;      // colour type 3: palette_size RGB triples
    int32_t palette_size;
    const uint8_t *palette_alpha;    // colour type 3: tRNS alpha for the first entries (may be NULL)
    int32_t palette_alpha_count;
    int32_t has_transparent_color;   // colour types 0/2: tRNS single transparent colour
    uint16_t transparent_gray;
    uint16_t transparent_red, transparent_green, transparent_blue;
} fl_testing_png_options;

fl_image_status fl_testing_encode_png(const void *samples, int32_t width, int32_t height,
                                      const fl_testing_png_options *options,
                                      fl_encoded_image *out, char *message, size_t message_capacity);

typedef enum fl_testing_jpeg_space {
    FL_TESTING_JPEG_GRAY = 1,   // 1 sample per pixel
    FL_TESTING_JPEG_YCBCR = 3,  // RGB samples in, stored as YCbCr (the normal case)
    FL_TESTING_JPEG_CMYK = 4,   // 4 samples in, stored as-is with an Adobe marker (inverted convention)
    FL_TESTING_JPEG_YCCK = 5,   // 4 CMYK samples in, stored as YCCK with an Adobe marker
} fl_testing_jpeg_space;

enum { FL_TESTING_JPEG_PROGRESSIVE = 1, FL_TESTING_JPEG_ARITHMETIC = 2 };

fl_image_status fl_testing_encode_jpeg(const uint8_t *samples, int32_t width, int32_t height,
                                       fl_testing_jpeg_space space, int32_t quality, int32_t flags,
                                       fl_encoded_image *out, char *message, size_t message_capacity);

#ifdef __cplusplus
}
#endif
