/// Colours that stay distinguishable with the common colour-vision deficiencies.
public enum Palette {
    /// Okabe & Ito (2008); the yellow, faint on white, comes last of the colours.
    public static let okabeIto = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]

    /// Series colours in order: Okabe–Ito without its yellow, a grey, then the yellow (so it
    /// appears only with nine series), then the colours again dashed.
    static let seriesColors = Array(okabeIto.prefix(7)) + ["#999999", "#F0E442"]

    public static func series(_ index: Int) -> String { seriesColors[index % seriesColors.count] }

    /// Dashes that tell series apart when colours repeat (solid for the first nine).
    public static func dash(_ index: Int) -> String { index < seriesColors.count ? "" : ["6 3", "2 2", "8 3 2 3"][(index / seriesColors.count - 1) % 3] }

    public static let neutral = "#8C8C8C"
    public static let grid = "#E6E6E6"
    public static let axis = "#444444"

    /// A sequential map (light → dark blue, the "Blues" of ColorBrewer), `t` in 0…1.
    public static func sequential(_ t: Double) -> String {
        interpolate([(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)], t)
    }

    /// A diverging map (orange ← white → purple, ColorBrewer "PuOr", colour-blind safe),
    /// `t` in −1…1.
    public static func diverging(_ t: Double) -> String {
        interpolate([(179, 88, 6), (241, 163, 64), (247, 247, 247), (153, 142, 195), (84, 39, 136)], (t + 1) / 2)
    }

    /// Whether text on `hex` should be white (dark background) rather than black.
    public static func isDark(_ hex: String) -> Bool {
        let (r, g, b) = rgb(hex)
        return 0.299 * r + 0.587 * g + 0.114 * b < 140
    }

    static func rgb(_ hex: String) -> (Double, Double, Double) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        let v = Int(digits, radix: 16) ?? 0
        return (Double((v >> 16) & 255), Double((v >> 8) & 255), Double(v & 255))
    }

    static func interpolate(_ stops: [(Double, Double, Double)], _ t: Double) -> String {
        let t = min(1, max(0, t.isFinite ? t : 0)) * Double(stops.count - 1)
        let k = min(Int(t), stops.count - 2), f = t - Double(k)
        let a = stops[k], b = stops[k + 1]
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        let r = channel(a.0, b.0), g = channel(a.1, b.1), bl = channel(a.2, b.2)
        return "#" + [r, g, bl].map { v in let s = String(v, radix: 16, uppercase: true); return s.count == 1 ? "0" + s : s }.joined()
    }
}
