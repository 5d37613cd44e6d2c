import CImageCodecs

/// PNG bytes for an RGB image (lossless, zlib level 6).
public func encodePNG(_ image: RGBImage) throws(ImageError) -> [UInt8] {
    try encodeWithShim(format: .png) { out, message, capacity in
        image.pixels.withUnsafeBufferPointer { pixels in
            fl_image_encode_png(pixels.baseAddress, Int32(image.width), Int32(image.height), out, message, capacity)
        }
    }
}

/// JPEG bytes for an RGB image: YCbCr 4:2:0 at `quality` 1...100 (libjpeg's scale, as in PIL),
/// baseline with optimised Huffman tables, or progressive.
public func encodeJPEG(_ image: RGBImage, quality: Int = 90, progressive: Bool = false) throws(ImageError) -> [UInt8] {
    guard (1...100).contains(quality) else {
        throw .encodingFailed(format: .jpeg, detail: "quality \(quality) is outside 1...100")
    }
    return try encodeWithShim(format: .jpeg) { out, message, capacity in
        image.pixels.withUnsafeBufferPointer { pixels in
            fl_image_encode_jpeg(pixels.baseAddress, Int32(image.width), Int32(image.height),
                                 Int32(quality), progressive ? 1 : 0, out, message, capacity)
        }
    }
}

/// Runs one shim encoder and moves its malloc'd output into a Swift array.
func encodeWithShim(
    format: ImageFormat,
    _ encode: (UnsafeMutablePointer<fl_encoded_image>, UnsafeMutablePointer<CChar>, Int) -> fl_image_status
) throws(ImageError) -> [UInt8] {
    var encoded = fl_encoded_image()
    var message = [CChar](repeating: 0, count: 256)
    let status = message.withUnsafeMutableBufferPointer { text in encode(&encoded, text.baseAddress!, text.count) }
    defer { fl_image_free(encoded.bytes) }
    guard status == FL_IMAGE_OK, let bytes = encoded.bytes else {
        let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw .encodingFailed(format: format, detail: detail.isEmpty ? "status \(status.rawValue)" : detail)
    }
    return [UInt8](UnsafeBufferPointer(start: bytes, count: encoded.size))
}
