// PNG writers: RGB8 for production, and any colour type / bit depth for tests.
#include "codec_internal.h"
#include <setjmp.h>
#include <png.h>

typedef struct png_encode_context {
    fl_byte_buffer buffer;  // owned until handed to the caller
    png_bytep *rows;
    fl_image_status status;
    char *message;
    size_t message_capacity;
} png_encode_context;

static void on_png_error(png_structp png, png_const_charp text) {
    png_encode_context *context = (png_encode_context *)png_get_error_ptr(png);
    if (context->status == FL_IMAGE_OK) context->status = FL_IMAGE_INVALID_ARGUMENT;
    fl_set_message(context->message, context->message_capacity, "%s", text);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void write_to_memory(png_structp png, png_bytep bytes, size_t length) {
    png_encode_context *context = (png_encode_context *)png_get_io_ptr(png);
    if (!fl_byte_buffer_reserve(&context->buffer, length)) {
        context->status = FL_IMAGE_OUT_OF_MEMORY;
        png_error(png, "out of memory growing the PNG buffer");
    }
    memcpy(context->buffer.bytes + context->buffer.size, bytes, length);
    context->buffer.size += length;
}

static void flush_memory(png_structp png) { (void)png; }

static int samples_per_pixel(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 0;
    }
}

fl_image_status fl_testing_encode_png(const void *samples, int32_t width, int32_t height,
                                      const fl_testing_png_options *options,
                                      fl_encoded_image *out, char *message, size_t message_capacity) {
    if (out == NULL || options == NULL) return FL_IMAGE_INVALID_ARGUMENT;
    out->bytes = NULL;
    out->size = 0;
    int channels = samples_per_pixel(options->color_type);
    int bit_depth = options->bit_depth;
    if (samples == NULL || width <= 0 || height <= 0 || channels == 0 ||
        (bit_depth != 1 && bit_depth != 2 && bit_depth != 4 && bit_depth != 8 && bit_depth != 16)) {
        fl_set_message(message, message_capacity, "invalid PNG parameters: %d x %d, colour type %d, bit depth %d",
                       width, height, options->color_type, bit_depth);
        return FL_IMAGE_INVALID_ARGUMENT;
    }
    png_encode_context context;
    memset(&context, 0, sizeof context);
    context.message = message;
    context.message_capacity = message_capacity;

    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, &info);
        fl_set_message(message, message_capacity, "out of memory creating the PNG writer");
        return FL_IMAGE_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(context.buffer.bytes);
        free(context.rows);
        return context.status;
    }
    png_set_write_fn(png, &context, write_to_memory, flush_memory);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, options->color_type,
                 options->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (options->color_type == PNG_COLOR_TYPE_PALETTE) {
        if (options->palette_rgb == NULL || options->palette_size <= 0 || options->palette_size > 256)
            png_error(png, "palette PNG needs 1...256 palette entries");
        png_color palette[256];
        for (int i = 0; i < options->palette_size; i++) {
            palette[i].red = options->palette_rgb[3 * i];
            palette[i].green = options->palette_rgb[3 * i + 1];
            palette[i].blue = options->palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, palette, options->palette_size);
        if (options->palette_alpha != NULL && options->palette_alpha_count > 0)
            png_set_tRNS(png, info, options->palette_alpha, options->palette_alpha_count, NULL);
    } else if (options->has_transparent_color) {
        png_color_16 color = {0, options->transparent_red, options->transparent_green,
                              options->transparent_blue, options->transparent_gray};
        png_set_tRNS(png, info, NULL, 0, &color);
    }
    png_write_info(png, info);
    if (bit_depth < 8) png_set_packing(png);  // our samples are one per byte
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);  // PNG is big-endian
    }
    size_t stride = (size_t)width * channels * (bit_depth == 16 ? 2 : 1);
    context.rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (context.rows == NULL) {
        context.status = FL_IMAGE_OUT_OF_MEMORY;
        png_error(png, "out of memory for row pointers");
    }
    for (size_t y = 0; y < (size_t)height; y++) context.rows[y] = (png_bytep)samples + y * stride;
    png_write_image(png, context.rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(context.rows);
    out->bytes = context.buffer.bytes;
    out->size = context.buffer.size;
    return FL_IMAGE_OK;
}

fl_image_status fl_image_encode_png(const uint8_t *rgb, int32_t width, int32_t height,
                                    fl_encoded_image *out, char *message, size_t message_capacity) {
    fl_testing_png_options options;
    memset(&options, 0, sizeof options);
    options.color_type = PNG_COLOR_TYPE_RGB;
    options.bit_depth = 8;
    return fl_testing_encode_png(rgb, width, height, &options, out, message, message_capacity);
}
