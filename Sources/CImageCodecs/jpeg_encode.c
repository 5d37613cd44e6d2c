// JPEG writers into a growing buffer we own (jpeg_mem_dest would leak its buffer when an
// error longjmps out mid-write).
#include "codec_internal.h"
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct jpeg_encode_context {
    struct jpeg_error_mgr errors;
    struct jpeg_destination_mgr destination;
    jmp_buf jump;
    fl_byte_buffer buffer;  // owned until handed to the caller
    fl_image_status status;
    char *message;
    size_t message_capacity;
} jpeg_encode_context;

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_encode_context *context = (jpeg_encode_context *)cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    context->status = cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? FL_IMAGE_OUT_OF_MEMORY : FL_IMAGE_INVALID_ARGUMENT;
    fl_set_message(context->message, context->message_capacity, "%s", text);
    longjmp(context->jump, 1);
}

static void on_emit_message(j_common_ptr cinfo, int msg_level) {
    (void)cinfo;
    (void)msg_level;
}

/// Exposes the unused tail of the buffer to libjpeg, growing it first when full.
static void expose_free_space(j_compress_ptr cinfo) {
    jpeg_encode_context *context = (jpeg_encode_context *)cinfo->client_data;
    if (!fl_byte_buffer_reserve(&context->buffer, 65536)) ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
    context->destination.next_output_byte = context->buffer.bytes + context->buffer.size;
    context->destination.free_in_buffer = context->buffer.capacity - context->buffer.size;
}

static void init_destination(j_compress_ptr cinfo) { expose_free_space(cinfo); }

static boolean empty_output_buffer(j_compress_ptr cinfo) {
    jpeg_encode_context *context = (jpeg_encode_context *)cinfo->client_data;
    context->buffer.size = context->buffer.capacity;  // libjpeg filled everything it was given
    expose_free_space(cinfo);
    return TRUE;
}

static void term_destination(j_compress_ptr cinfo) {
    jpeg_encode_context *context = (jpeg_encode_context *)cinfo->client_data;
    context->buffer.size = context->buffer.capacity - context->destination.free_in_buffer;
}

fl_image_status fl_encode_jpeg_samples(const uint8_t *samples, int32_t width, int32_t height,
                                       int components, int in_space, int jpeg_space,
                                       int32_t quality, int32_t flags,
                                       fl_encoded_image *out, char *message, size_t message_capacity) {
    if (out == NULL) return FL_IMAGE_INVALID_ARGUMENT;
    out->bytes = NULL;
    out->size = 0;
    if (samples == NULL || width <= 0 || height <= 0 || width > JPEG_MAX_DIMENSION ||
        height > JPEG_MAX_DIMENSION || quality < 1 || quality > 100) {
        fl_set_message(message, message_capacity, "invalid JPEG parameters: %d x %d at quality %d",
                       width, height, quality);
        return FL_IMAGE_INVALID_ARGUMENT;
    }
    struct jpeg_compress_struct cinfo;
    jpeg_encode_context context;
    memset(&context, 0, sizeof context);
    context.message = message;
    context.message_capacity = message_capacity;
    cinfo.err = jpeg_std_error(&context.errors);
    context.errors.error_exit = on_error_exit;
    context.errors.emit_message = on_emit_message;
    cinfo.client_data = &context;
    if (setjmp(context.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(context.buffer.bytes);
        return context.status;
    }
    jpeg_create_compress(&cinfo);
    context.destination.init_destination = init_destination;
    context.destination.empty_output_buffer = empty_output_buffer;
    context.destination.term_destination = term_destination;
    cinfo.dest = &context.destination;

    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = (J_COLOR_SPACE)in_space;
    jpeg_set_defaults(&cinfo);
    jpeg_set_colorspace(&cinfo, (J_COLOR_SPACE)jpeg_space);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (flags & FL_TESTING_JPEG_PROGRESSIVE) jpeg_simple_progression(&cinfo);
    if (flags & FL_TESTING_JPEG_ARITHMETIC) cinfo.arith_code = TRUE;
    // Optimised Huffman tables: smaller files at no quality cost (progressive mode already
    // builds its own; arithmetic coding has no Huffman tables).
    else if (!(flags & FL_TESTING_JPEG_PROGRESSIVE)) cinfo.optimize_coding = TRUE;
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * components;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(samples + cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    out->bytes = context.buffer.bytes;
    out->size = context.buffer.size;
    return FL_IMAGE_OK;
}

fl_image_status fl_image_encode_jpeg(const uint8_t *rgb, int32_t width, int32_t height,
                                     int32_t quality, int32_t progressive,
                                     fl_encoded_image *out, char *message, size_t message_capacity) {
    return fl_encode_jpeg_samples(rgb, width, height, 3, JCS_RGB, JCS_YCbCr, quality,
                                  progressive ? FL_TESTING_JPEG_PROGRESSIVE : 0, out, message, message_capacity);
}

fl_image_status fl_testing_encode_jpeg(const uint8_t *samples, int32_t width, int32_t height,
                                       fl_testing_jpeg_space space, int32_t quality, int32_t flags,
                                       fl_encoded_image *out, char *message, size_t message_capacity) {
    switch (space) {
    case FL_TESTING_JPEG_GRAY:
        return fl_encode_jpeg_samples(samples, width, height, 1, JCS_GRAYSCALE, JCS_GRAYSCALE,
                                      quality, flags, out, message, message_capacity);
    case FL_TESTING_JPEG_YCBCR:
        return fl_encode_jpeg_samples(samples, width, height, 3, JCS_RGB, JCS_YCbCr,
                                      quality, flags, out, message, message_capacity);
    case FL_TESTING_JPEG_CMYK:
        return fl_encode_jpeg_samples(samples, width, height, 4, JCS_CMYK, JCS_CMYK,
                                      quality, flags, out, message, message_capacity);
    case FL_TESTING_JPEG_YCCK:
        return fl_encode_jpeg_samples(samples, width, height, 4, JCS_CMYK, JCS_YCCK,
                                      quality, flags, out, message, message_capacity);
    }
    fl_set_message(message, message_capacity, "unknown JPEG colour space %d", (int)space);
    return FL_IMAGE_INVALID_ARGUMENT;
}
