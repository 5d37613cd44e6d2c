import Foundation

/// 0.12345 → "0.1" (one decimal unless told).
func format(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

extension Int {
    /// 466241 → "466,241".
    var formatted: String {
        let digits = String(Swift.abs(self))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + out
    }
}
