import Foundation
import Support
import Plot

/// Choices every section shares, so one variant keeps one colour throughout the page.
struct ReportStyle {
    let variants: [String]

    func color(_ variant: String) -> String { Palette.series(variants.firstIndex(of: variant) ?? 0) }
    func dash(_ variant: String) -> String { Palette.dash(variants.firstIndex(of: variant) ?? 0) }

    static func mean(_ values: [Double]) -> Double? { ResultTables.meanAndStd(values).0 }
    static func std(_ values: [Double]) -> Double? { ResultTables.meanAndStd(values).1 }

    static func format(_ v: Double?, _ decimals: Int = 3) -> String { v.map { String(format: "%.\(decimals)f", $0) } ?? "n/a" }

    /// "0.882 ± 0.005" (the ± only with more than one run).
    static func meanStd(_ values: [Double], _ decimals: Int = 3) -> String {
        let (m, s) = ResultTables.meanAndStd(values)
        return format(m, decimals) + (s.map { " ± " + String(format: "%.\(decimals)f", $0) } ?? "")
    }
}
