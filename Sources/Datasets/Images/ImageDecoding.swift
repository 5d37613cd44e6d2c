import CImageCodecs
import Foundation

/// Limits that keep a hostile or broken file from exhausting memory.
public enum ImageLimits {
    /// PIL's decompression-bomb threshold (~89.5 megapixels, 268 MB as RGB).
    public static let defaultMaxPixels = 89_478_485
}

/// Decodes PNG or JPEG bytes (recognised by their magic bytes) to 8-bit RGB.
///
/// - PNG: gray, palette, 16-bit, tRNS and interlaced files all become RGB8 (16-bit values are
///   rounded, v / 257). Alpha is composited over white — unlike PIL's `convert("RGB")`, which
///   drops it — so transparent product cut-outs come out on white, not on whatever colour the
///   transparent pixels happen to hold.
/// - JPEG: gray/YCbCr/RGB via libjpeg-turbo; CMYK/YCCK converted as r = (1-c)(1-k), treating
///   files with an Adobe marker as inverted CMYK (like PIL). Any libjpeg corrupt-data warning
///   (truncation, bad Huffman code, extraneous bytes) fails the decode instead of returning a
///   partly grey image.
/// - `maxPixels` bounds width × height as read from the header, before anything is allocated.
// `withUnsafeBytes` rethrows untyped errors, so the typed error travels out in a Result.
public func decodeImage(data: [UInt8], maxPixels: Int = ImageLimits.defaultMaxPixels) throws(ImageError) -> RGBImage {
    let result = data.withUnsafeBytes { bytes in
        Result { () throws(ImageError) in try decodeImage(bytes: bytes, maxPixels: maxPixels, source: ImageSource()) }
    }
    return try result.get()
}

/// Decodes PNG or JPEG bytes; see `decodeImage(data: [UInt8], maxPixels:)`.
public func decodeImage(data: Data, maxPixels: Int = ImageLimits.defaultMaxPixels) throws(ImageError) -> RGBImage {
    let result = data.withUnsafeBytes { bytes in
        Result { () throws(ImageError) in try decodeImage(bytes: bytes, maxPixels: maxPixels, source: ImageSource()) }
    }
    return try result.get()
}

/// Reads and decodes the PNG or JPEG file at `path`; errors name the path (and `itemID`, if given).
public func decodeImage(atPath path: String, maxPixels: Int = ImageLimits.defaultMaxPixels,
                        itemID: String? = nil, followSymlinks: Bool = true) throws(ImageError) -> RGBImage {
    let source = ImageSource(path: path, itemID: itemID)
    let bytes: [UInt8]
    do {
        bytes = try readFileBytes(atPath: path, followSymlinks: followSymlinks)
    } catch {
        throw .unreadableFile(source, reason: error.reason)
    }
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(ImageError) in try decodeImage(bytes: buffer, maxPixels: maxPixels, source: source) }
    }
    return try result.get()
}

/// The decoder itself: one call into the C shim, one copy into a Swift array.
func decodeImage(bytes: UnsafeRawBufferPointer, maxPixels: Int, source: ImageSource) throws(ImageError) -> RGBImage {
    var decoded = fl_decoded_image()
    var message = [CChar](repeating: 0, count: 256)
    let status = message.withUnsafeMutableBufferPointer { text in
        fl_image_decode(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                        UInt64(max(maxPixels, 0)), &decoded, text.baseAddress, text.count)
    }
    defer { fl_image_free(decoded.pixels) }
    let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let format: ImageFormat = decoded.format == FL_IMAGE_FORMAT_PNG ? .png : .jpeg

    switch status {
    case FL_IMAGE_OK:
        guard let pixels = decoded.pixels else { throw .outOfMemory(source, detail: "decoder returned no pixels") }
        let width = Int(decoded.width), height = Int(decoded.height)
        let image = [UInt8](UnsafeBufferPointer(start: pixels, count: width * height * 3))
        return RGBImage(width: width, height: height, pixels: image)
    case FL_IMAGE_EMPTY:
        throw .emptyFile(source)
    case FL_IMAGE_UNKNOWN_FORMAT:
        throw .unrecognizedFormat(source, hint: describeUnrecognizedBytes(bytes))
    case FL_IMAGE_TOO_LARGE:
        throw .tooLarge(source, width: Int(decoded.width), height: Int(decoded.height), maxPixels: maxPixels)
    case FL_IMAGE_TRUNCATED:
        throw .truncated(source, format: format, detail: detail)
    case FL_IMAGE_UNSUPPORTED:
        throw .unsupported(source, format: format, detail: detail)
    case FL_IMAGE_OUT_OF_MEMORY:
        throw .outOfMemory(source, detail: detail)
    default:
        throw .corrupt(source, format: format, detail: detail)
    }
}
