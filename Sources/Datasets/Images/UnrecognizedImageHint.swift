import Foundation

/// A short guess at what non-PNG/JPEG bytes are, for the "not a PNG or JPEG" message:
/// other image formats by magic bytes, text (often an HTML error page saved as an image),
/// or else binary data — by kind and size only, never quoting the file's contents.
func describeUnrecognizedBytes(_ bytes: UnsafeRawBufferPointer) -> String {
    func starts(with prefix: String, at offset: Int = 0) -> Bool {
        let magic = Array(prefix.utf8)
        guard bytes.count >= offset + magic.count else { return false }
        return zip(bytes[offset...], magic).allSatisfy { $0 == $1 }
    }
    if starts(with: "GIF87a") || starts(with: "GIF89a") { return "looks like a GIF image" }
    if starts(with: "RIFF") && starts(with: "WEBP", at: 8) { return "looks like a WebP image" }
    if starts(with: "II*\0") || starts(with: "MM\0*") { return "looks like a TIFF image" }
    if starts(with: "BM") && bytes.count >= 26 { return "looks like a BMP image" }
    if starts(with: "ftyp", at: 4) && bytes.count >= 12 {
        let brand = String(decoding: bytes[8..<12], as: UTF8.self)
        if brand.hasPrefix("avi") { return "looks like an AVIF image" }
        if ["heic", "heix", "hevc", "mif1", "msf1"].contains(brand) { return "looks like a HEIC/HEIF image" }
        return "looks like an ISO media file, brand '\(brand)'"
    }
    // The bytes themselves are never shown: a path that escaped its folder, or a file that was
    // never meant to be an image, could hold anything (a password file, a key).
    let head = bytes.prefix(512)
    let isText = head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (32...126).contains($0) || $0 >= 0x80 }
    guard isText else { return "unrecognised binary data, \(bytes.count) bytes" }
    let start = String(decoding: head.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    if start.hasPrefix("<!doctype html") || start.hasPrefix("<html") { return "looks like an HTML page, \(bytes.count) bytes" }
    if start.hasPrefix("<?xml") || start.hasPrefix("<svg") { return "looks like XML or SVG text, \(bytes.count) bytes" }
    return "looks like text, \(bytes.count) bytes"
}
