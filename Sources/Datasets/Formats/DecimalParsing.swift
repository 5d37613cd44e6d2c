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
        // The integer digits, then after a point the fraction's: each run eight digits at a step
        // while eight remain, then one at a time. The arithmetic wraps; more than 19 digits (which
        // may have wrapped) are refused at the end.
        var mantissa: UInt64 = 0
        @inline(__always) func digits(from start: Int) -> Int {
            while i &+ 8 <= n, let eight = eightDigits(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) {
                mantissa = mantissa &* 100_000_000 &+ eight
                i &+= 8
            }
            while i < n {
                let c = p[i] &- UInt8(ascii: "0")
                guard c < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(c)
                i &+= 1
            }
            return i &- start
        }
        let integerDigits = digits(from: i)
        var fractionDigits = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i &+= 1
            fractionDigits = digits(from: i)
        }
        let total = integerDigits &+ fractionDigits
        guard i == n, total > 0, total <= 19, mantissa <= 1 << 53, fractionDigits <= 22 else { return nil }
        // 10^k for k ≤ 22 is exact, and so is every product on the way.
        let value = Double(mantissa) / powerOfTen(fractionDigits)
        return negative ? -value : value
    }

    /// The value of eight ASCII digits loaded little-endian (the first digit in the lowest byte),
    /// or nil if any byte is not a digit: three multiply-and-shift steps combine pairs, then
    /// quadruples, then the two halves (the SWAR method simdjson's number parser popularised).
    @inline(__always)
    static func eightDigits(_ word: UInt64) -> UInt64? {
        let ascii: UInt64 = 0x3030_3030_3030_3030
        // A byte is a digit when its high nibble is 3 and adding 6 does not carry out of the low one.
        guard word & 0xF0F0_F0F0_F0F0_F0F0 == ascii, (word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0 == ascii else { return nil }
        var v = word &- ascii
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return (v &* 10_000 &+ (v >> 32)) & 0xFFFF_FFFF
    }

    /// 10^k for 0 ≤ k ≤ 22, each exact in a double: a constant table (LLVM turns a switch of
    /// constants into one), not a chain of dependent multiplies.
    @inline(__always)
    static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }
}
