/// A growing byte buffer for CSV text: fields are appended as bytes (numbers formatted in
/// place, tokens pre-encoded once), never as per-field Strings.
struct CSVBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always) mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    @inline(__always) mutating func newline() { bytes.append(UInt8(ascii: "\n")) }
    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Bytes already in CSV form (see `CSVBuffer.field`).
    @inline(__always) mutating func raw(_ field: [UInt8]) { bytes.append(contentsOf: field) }

    /// A text field, quoted as RFC 4180 requires when it holds a comma, quote or line break.
    mutating func text(_ s: String) { raw(CSVBuffer.field(s)) }

    /// The CSV form of a text field: as is, or in double quotes with inner quotes doubled.
    static func field(_ s: String) -> [UInt8] {
        let utf8 = Array(s.utf8)
        guard utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return utf8 }
        var out: [UInt8] = [0x22]
        for b in utf8 {
            if b == 0x22 { out.append(0x22) }
            out.append(b)
        }
        out.append(0x22)
        return out
    }

    /// An integer in decimal, digits formed on the stack and appended at once.
    mutating func int(_ value: Int64) {
        var v = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
            var n = 21
            repeat {
                n -= 1
                digits[n] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
            } while v > 0
            if value < 0 {
                n -= 1
                digits[n] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[n..<21]))
        }
    }

    @inline(__always) mutating func int(_ value: Int) { int(Int64(value)) }

    /// A prefixed id such as `u42`.
    @inline(__always) mutating func id(_ prefix: UInt8, _ value: Int) {
        bytes.append(prefix)
        int(Int64(value))
    }

    /// A fixed-point number `units / 10^decimals` (e.g. milliseconds as seconds with 3 decimals),
    /// without a trailing-zero trim, so equal values always print equally.
    mutating func fixed(units: Int64, decimals: Int) {
        guard decimals > 0 else { int(units); return }
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let negative = units < 0
        let magnitude = negative ? -units : units
        if negative { bytes.append(UInt8(ascii: "-")) }
        int(magnitude / scale)
        bytes.append(UInt8(ascii: "."))
        var fraction = magnitude % scale
        var divisor = scale / 10
        while divisor > 0 {
            bytes.append(UInt8(truncatingIfNeeded: fraction / divisor) + 48)
            fraction %= divisor
            divisor /= 10
        }
    }

    /// A Double rounded to `decimals` places (NaN is written as an empty field: missing).
    mutating func number(_ value: Double, decimals: Int) {
        guard value.isFinite else { return }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        fixed(units: Int64((value * scale).rounded()), decimals: decimals)
    }
}
