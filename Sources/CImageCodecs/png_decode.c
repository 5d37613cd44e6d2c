// PNG → 8-bit RGB with libpng: every colour type, bit depth and interlace becomes RGB8;
// alpha is composited over white. CRC errors in critical chunks stay errors (libpng default).
#include "codec_internal.h"
#include <setjmp.h>
#include <png.h>

typedef struct png_decode_context {
    const uint8_t *data;
    size_t size;
    size_t offset;
    fl_image_status status;
    char *message;
    size_t message_capacity;
    // Owned buffers, released on every exit path.
    uint8_t *pixels;
    png_bytep *rows;
} png_decode_context;

static void on_png_error(png_structp png, png_const_charp text) {
    png_decode_context *context = (png_decode_context *)png_get_error_ptr(png);
    if (context->status == FL_IMAGE_OK) context->status = FL_IMAGE_CORRUPT;
    fl_set_message(context->message, context->message_capacity, "%s", text);
    png_longjmp(png, 1);
}

/// Warnings (bad ancillary chunks, gamma oddities) do not affect the pixels we return.
static void on_png_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep destination, size_t length) {
    png_decode_context *context = (png_decode_context *)png_get_io_ptr(png);
    if (context->size - context->offset < length) {
        context->status = FL_IMAGE_TRUNCATED;
        png_error(png, "unexpected end of PNG data");
    }
    memcpy(destination, context->data + context->offset, length);
    context->offset += length;
}

/// RGBA → RGB over a white background, compacting in place (the write index never passes
/// the read index): c' = (c * a + 255 * (255 - a)) / 255, rounded.
static void composite_over_white(uint8_t *pixels, size_t count) {
    const uint8_t *source = pixels;
    uint8_t *destination = pixels;
    for (size_t i = 0; i < count; i++, source += 4, destination += 3) {
        unsigned alpha = source[3], background = 255 * (255 - alpha);
        uint8_t r = (uint8_t)((source[0] * alpha + background + 127) / 255);
        uint8_t g = (uint8_t)((source[1] * alpha + background + 127) / 255);
        uint8_t b = (uint8_t)((source[2] * alpha + background + 127) / 255);
        destination[0] = r;
        destination[1] = g;
        destination[2] = b;
    }
}

fl_image_status fl_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels,
                              fl_decoded_image *out, char *message, size_t message_capacity) {
    png_decode_context context;
    memset(&context, 0, sizeof context);
    context.data = data;
    context.size = size;
    context.message = message;
    context.message_capacity = message_capacity;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        fl_set_message(message, message_capacity, "out of memory creating the PNG reader");
        return FL_IMAGE_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(context.pixels);
        free(context.rows);
        out->pixels = NULL;
        return context.status;
    }
    png_set_read_fn(png, &context, read_from_memory);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    uint64_t pixel_count = (uint64_t)width * height;
    if (pixel_count > max_pixels) {
        fl_set_message(message, message_capacity, "%u x %u = %llu pixels exceeds the limit of %llu",
                       width, height, (unsigned long long)pixel_count, (unsigned long long)max_pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return FL_IMAGE_TOO_LARGE;
    }

    png_set_expand(png);      // palette → RGB, gray 1/2/4 → 8, tRNS → alpha channel
    png_set_scale_16(png);    // 16 → 8 bits, rounded (v / 257)
    if (!(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t channels = png_get_channels(png, info);
    size_t stride = (size_t)width * channels;
    if ((channels != 3 && channels != 4) || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != stride) {
        context.status = FL_IMAGE_UNSUPPORTED;
        png_error(png, "PNG layout not convertible to 8-bit RGB");
    }
    context.pixels = (uint8_t *)fl_allocate(stride * height);
    context.rows = (png_bytep *)fl_allocate(sizeof(png_bytep) * height);
    if (context.pixels == NULL || context.rows == NULL) {
        context.status = FL_IMAGE_OUT_OF_MEMORY;
        png_error(png, "out of memory for the decoded pixels");
    }
    for (size_t y = 0; y < height; y++) context.rows[y] = context.pixels + y * stride;
    png_read_image(png, context.rows);
    png_read_end(png, NULL);  // checks the CRCs of the chunks after the image data
    png_destroy_read_struct(&png, &info, NULL);
    free(context.rows);

    if (channels == 4) {
        composite_over_white(context.pixels, (size_t)width * height);
        uint8_t *shrunk = (uint8_t *)realloc(context.pixels, (size_t)width * height * 3);
        if (shrunk != NULL) context.pixels = shrunk;  // else the larger block is still valid
    }
    out->pixels = context.pixels;
    return FL_IMAGE_OK;
}
