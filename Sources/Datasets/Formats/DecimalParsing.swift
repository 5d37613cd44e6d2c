/// Exact fast path for the plain decimals CSV files are made of (`1702047045.275`, `-4.3`, `12`).
enum DecimalParsing {
    /// The value of `[+-]?digits[.digits]` when it can be computed exactly — at most 2^53 as an
    /// integer mantissa and at most 22 fractional digits: one IEEE division of two exact values is
    /// correctly rounded, so the result equals `strtod`'s (Clinger's fast path). Nil for anything
    /// else (exponents, long mantissas, nan, inf, stray characters), which `strtod` then handles.
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, count n: Int) -> Double? {
        var i = 0
        var negative = false
        if n > 0 && (p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+")) {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        while i < n {
            let c = p[i] &- UInt8(ascii: "0")
            if c < 10 {
                // 19 digits always fit a UInt64; longer mantissas take the slow path.
                if digits == 19 { return nil }
                mantissa = mantissa &* 10 &+ UInt64(c)
                digits += 1
                if seenPoint { fractionDigits += 1 }
            } else if p[i] == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0, mantissa <= 1 << 53, fractionDigits <= 22 else { return nil }
        // 10^k for k ≤ 22 is exact, and so is every product on the way.
        var scale = 1.0
        for _ in 0..<fractionDigits { scale *= 10 }
        let value = Double(mantissa) / scale
        return negative ? -value : value
    }
}
