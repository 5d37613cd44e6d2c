// Format sniffing, dispatch and the shared free function.
#include "codec_internal.h"

fl_image_format fl_image_sniff(const uint8_t *data, size_t size) {
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (data == NULL) return FL_IMAGE_FORMAT_UNKNOWN;
    if (size >= 8 && memcmp(data, png_signature, 8) == 0) return FL_IMAGE_FORMAT_PNG;
    // SOI (FF D8) followed by the first marker's FF.
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return FL_IMAGE_FORMAT_JPEG;
    return FL_IMAGE_FORMAT_UNKNOWN;
}

fl_image_status fl_image_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                                fl_decoded_image *out, char *message, size_t message_capacity) {
    if (out == NULL) return FL_IMAGE_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (message != NULL && message_capacity > 0) message[0] = '\0';
    if (data == NULL || size == 0) {
        fl_set_message(message, message_capacity, "empty file (0 bytes)");
        return FL_IMAGE_EMPTY;
    }
    out->format = fl_image_sniff(data, size);
    switch (out->format) {
    case FL_IMAGE_FORMAT_PNG:
        return fl_decode_png(data, size, max_pixels, out, message, message_capacity);
    case FL_IMAGE_FORMAT_JPEG:
        return fl_decode_jpeg(data, size, max_pixels, out, message, message_capacity);
    default:
        fl_set_message(message, message_capacity, "not a PNG or JPEG");
        return FL_IMAGE_UNKNOWN_FORMAT;
    }
}

void fl_image_free(void *pointer) { free(pointer); }
