// JPEG → 8-bit RGB with libjpeg-turbo, failing (not aborting, not guessing) on bad data.
#include "codec_internal.h"
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/// Progressive files with thousands of tiny scans take minutes to decode; real files have ~10.
/// TurboJPEG's TJFLAG_LIMITSCANS uses the same bound.
enum { FL_JPEG_MAX_SCANS = 500 };

typedef struct jpeg_decode_context {
    struct jpeg_error_mgr errors;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    fl_image_status status;
    char *message;
    size_t message_capacity;
    // Owned buffers, released on every exit path.
    uint8_t *pixels;
    uint8_t *cmyk_row;
} jpeg_decode_context;

static void fail(j_common_ptr cinfo, fl_image_status status) {
    jpeg_decode_context *context = (jpeg_decode_context *)cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    context->status = status;
    fl_set_message(context->message, context->message_capacity, "%s", text);
    longjmp(context->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) {
    fail(cinfo, cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? FL_IMAGE_OUT_OF_MEMORY : FL_IMAGE_CORRUPT);
}

/// libjpeg reports corrupt data only as a warning (msg_level -1) and carries on with grey
/// pixels; here every such warning ends the decode. Trace messages (level >= 0) are ignored.
static void on_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return;
    int code = cinfo->err->msg_code;
    // Harmless: an unknown JFIF revision, or an ICC profile we never read.
    if (code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC) return;
    if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) fail(cinfo, FL_IMAGE_TRUNCATED);
    fail(cinfo, FL_IMAGE_CORRUPT);
}

static void on_progress(j_common_ptr cinfo) {
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (decompress->input_scan_number > FL_JPEG_MAX_SCANS) {
        jpeg_decode_context *context = (jpeg_decode_context *)cinfo->client_data;
        context->status = FL_IMAGE_CORRUPT;
        fl_set_message(context->message, context->message_capacity,
                       "progressive JPEG with more than %d scans", FL_JPEG_MAX_SCANS);
        longjmp(context->jump, 1);
    }
}

/// x / 255 rounded, for x in 0...255*255.
static inline uint8_t divide_by_255(unsigned x) { return (uint8_t)((x + 127) / 255); }

/// CMYK → RGB as r = (1-c)(1-k). Adobe files (APP14 marker) store inverted ink values.
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t width, int inverted) {
    for (size_t x = 0; x < width; x++, cmyk += 4, rgb += 3) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        rgb[0] = divide_by_255(c * k);
        rgb[1] = divide_by_255(m * k);
        rgb[2] = divide_by_255(y * k);
    }
}

fl_image_status fl_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels,
                               fl_decoded_image *out, char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    jpeg_decode_context context;
    memset(&context, 0, sizeof context);
    context.message = message;
    context.message_capacity = message_capacity;

    cinfo.err = jpeg_std_error(&context.errors);
    context.errors.error_exit = on_error_exit;
    context.errors.emit_message = on_emit_message;
    cinfo.client_data = &context;
    if (setjmp(context.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(context.pixels);
        free(context.cmyk_row);
        out->pixels = NULL;
        return context.status;
    }
    jpeg_create_decompress(&cinfo);
    context.progress.progress_monitor = on_progress;
    cinfo.progress = &context.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    out->width = (int32_t)cinfo.image_width;
    out->height = (int32_t)cinfo.image_height;
    uint64_t pixel_count = (uint64_t)cinfo.image_width * cinfo.image_height;
    if (pixel_count > max_pixels) {
        fl_set_message(message, message_capacity, "%u x %u = %llu pixels exceeds the limit of %llu",
                       cinfo.image_width, cinfo.image_height,
                       (unsigned long long)pixel_count, (unsigned long long)max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return FL_IMAGE_TOO_LARGE;
    }

    int is_cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: case JCS_YCbCr: case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK: case JCS_YCCK:
        // libjpeg-turbo turns YCCK into CMYK but not CMYK into RGB: that step is ours.
        cinfo.out_color_space = JCS_CMYK;
        is_cmyk = 1;
        break;
    default:
        fl_set_message(message, message_capacity,
                       "JPEG with %d colour components in an unknown colour space", cinfo.num_components);
        jpeg_destroy_decompress(&cinfo);
        return FL_IMAGE_UNSUPPORTED;
    }

    jpeg_start_decompress(&cinfo);
    size_t width = cinfo.output_width, height = cinfo.output_height, stride = width * 3;
    context.pixels = (uint8_t *)fl_allocate(stride * height);
    if (is_cmyk) context.cmyk_row = (uint8_t *)fl_allocate(width * 4);
    if (context.pixels == NULL || (is_cmyk && context.cmyk_row == NULL)) {
        context.status = FL_IMAGE_OUT_OF_MEMORY;
        fl_set_message(message, message_capacity, "out of memory for %zu x %zu pixels", width, height);
        longjmp(context.jump, 1);
    }

    if (is_cmyk) {
        int inverted = cinfo.saw_Adobe_marker;
        while (cinfo.output_scanline < height) {
            size_t y = cinfo.output_scanline;
            JSAMPROW row = context.cmyk_row;
            jpeg_read_scanlines(&cinfo, &row, 1);
            cmyk_row_to_rgb(context.cmyk_row, context.pixels + y * stride, width, inverted);
        }
    } else {
        // Several rows per call lets libjpeg-turbo upsample chroma straight into our buffer.
        JSAMPROW rows[16];
        while (cinfo.output_scanline < height) {
            size_t first = cinfo.output_scanline, count = height - first;
            if (count > 16) count = 16;
            for (size_t i = 0; i < count; i++) rows[i] = context.pixels + (first + i) * stride;
            jpeg_read_scanlines(&cinfo, rows, (JDIMENSION)count);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(context.cmyk_row);
    out->pixels = context.pixels;
    return FL_IMAGE_OK;
}
