/// A short guess at what non-PNG/JPEG bytes are, for the "not a PNG or JPEG" message:
/// other image formats by magic bytes, text (often an HTML error page saved as an image),
/// or else the first bytes in hex.
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
    let head = bytes.prefix(48)
    let isText = head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (32...126).contains($0) || $0 >= 0x80 }
    if isText {
        let text = String(String(decoding: head, as: UTF8.self).map { $0.isNewline ? " " : $0 })
        return "looks like text: \"\(text)\(bytes.count > head.count ? "…" : "")\""
    }
    let hex = bytes.prefix(8).map { String($0, radix: 16, uppercase: true) }
        .map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
    return "starts with bytes \(hex)"
}
