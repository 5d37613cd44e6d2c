/// A field of a table by place and text, kept while reading so that checks made after reading
/// (a required column with an empty value, an infinite number) can quote it.
public struct FieldSite: Sendable, Equatable {
    /// 1-based, as an editor shows them.
    public var line: Int
    public var column: Int
    /// The field's text as written (invalid UTF-8 bytes shown as `\xNN`).
    public var text: String

    public init(line: Int, column: Int, text: String) { self.line = line; self.column = column; self.text = text }

    /// The text for a message: quoted, or "an empty field".
    public var quoted: String { text.isEmpty ? "an empty field" : "\"\(text)\"" }

    /// The earlier of two sites in file order.
    static func first(_ a: FieldSite?, _ b: FieldSite?) -> FieldSite? {
        guard let a else { return b }
        guard let b else { return a }
        return (b.line, b.column) < (a.line, a.column) ? b : a
    }
}

/// UTF-8 checks for field bytes: tokens are kept as bytes and only become Strings later, where
/// an invalid byte would silently turn into U+FFFD, so they are checked when first interned.
enum FieldText {
    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
    /// (no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidUTF8(_ t: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = t.count
        var i = 0
        while i < n {
            // ASCII eight bytes at a time: ids, numbers and most text never leave this loop.
            while i + 8 <= n, UnsafeRawPointer(t.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            guard i < n else { return nil }
            let lead = t[i]
            if lead < 0x80 { i += 1; continue }
            let length: Int, low: UInt8, high: UInt8   // range of the second byte (Unicode table 3-7)
            switch lead {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return i
            }
            guard i + 1 < n, (low...high).contains(t[i + 1]) else { return i }
            for k in 2..<length where i + k >= n || t[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    /// The bytes as text, each byte of an ill-formed sequence written `\xNN`.
    static func display(_ t: UnsafeBufferPointer<UInt8>) -> String {
        guard firstInvalidUTF8(t) != nil else { return String(decoding: t, as: UTF8.self) }
        var out = ""
        var rest = t
        while let bad = firstInvalidUTF8(rest) {
            out += String(decoding: UnsafeBufferPointer(rebasing: rest[..<bad]), as: UTF8.self)
            out += "\\x" + String(rest[bad], radix: 16, uppercase: true).leftPadded(to: 2)
            rest = UnsafeBufferPointer(rebasing: rest[(bad + 1)...])
        }
        return out + String(decoding: rest, as: UTF8.self)
    }

    /// The error for a field whose bytes are not UTF-8.
    static func invalidUTF8(_ t: UnsafeBufferPointer<UInt8>, at offset: Int, file: String, line: Int, column: Int) -> DatasetError {
        .csv(file: file, line: line, column: column,
             message: "invalid UTF-8: byte 0x\(String(t[offset], radix: 16, uppercase: true).leftPadded(to: 2)) in \"\(display(t))\"; save the file as UTF-8")
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
