import Foundation
import Tensor

/// Draws product pictures: the category's silhouette in the brand's palette, pattern and mark,
/// in a random pose (offset, scale, rotation, mirror) on a varied light background, with
/// shading and sensor noise. 2×2 supersampling smooths the edges.
enum ProductImageRenderer {
    /// RGB bytes (row-major, interleaved) of a `size`×`size` picture.
    static func render(shape: ProductShape, brand: Brand, size: Int, _ g: inout RandomGenerator) -> [UInt8] {
        // Pose.
        let mirror = g.bernoulli(0.5) ? -1.0 : 1.0
        let angle = g.uniform(-0.32, 0.32), scale = g.uniform(0.75, 1.05)
        let offsetU = g.uniform(-0.12, 0.12), offsetV = g.uniform(-0.12, 0.12)
        let (cosA, sinA) = (cos(angle), sin(angle))
        // Background: near-white or pastel, with a vertical gradient.
        let pastel = g.bernoulli(0.15)
        let background = Colour.hsv(g.nextDouble(), pastel ? g.uniform(0.15, 0.3) : g.uniform(0, 0.08), g.uniform(0.82, 0.98))
        let gradient = g.uniform(-0.1, 0.1)
        // Colours of the parts; a slight per-picture tint (lighting, white balance).
        let tint = (g.uniform(0.9, 1.1), g.uniform(0.9, 1.1), g.uniform(0.9, 1.1))
        let panel = Colour.hsv(g.nextDouble(), g.uniform(0, 0.15), g.uniform(0.8, 0.95))
        let patternScale = g.uniform(3.5, 6)
        let noise = g.uniform(2, 7)
        let anchor = shape.logoAnchor

        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        let inverseSize = 1 / Double(size)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<size {
                for x in 0..<size {
                    var r = 0.0, gg = 0.0, b = 0.0
                    for sy in 0..<2 {
                        for sx in 0..<2 {
                            let px = (Double(x) + 0.25 + 0.5 * Double(sx)) * inverseSize * 2 - 1 - offsetU
                            let py = (Double(y) + 0.25 + 0.5 * Double(sy)) * inverseSize * 2 - 1 - offsetV
                            let u = mirror * (cosA * px + sinA * py) / scale
                            let v = (-sinA * px + cosA * py) / scale
                            var colour: (Double, Double, Double)
                            let part = shape.part(u, v)
                            if part != .background && brand.logo.contains(u - anchor.u, v - anchor.v, radius: anchor.radius) {
                                colour = rgb(brand.accent)
                            } else {
                                switch part {
                                case .background:
                                    let shade = 1 + gradient * py
                                    colour = (Double(background.r) * shade, Double(background.g) * shade, Double(background.b) * shade)
                                case .body: colour = patterned(brand, u, v, patternScale)
                                case .trim: colour = rgb(brand.secondary)
                                case .accent: colour = rgb(brand.accent)
                                case .panel: colour = rgb(panel)
                                }
                                if part != .background {
                                    let light = 1.12 - 0.14 * (v + 1)  // lit from above
                                    colour = (colour.0 * light, colour.1 * light, colour.2 * light)
                                }
                            }
                            r += colour.0; gg += colour.1; b += colour.2
                        }
                    }
                    let i = (y * size + x) * 3
                    out[i] = clampByte(r * 0.25 * tint.0 + noise * approximateNormal(&g))
                    out[i + 1] = clampByte(gg * 0.25 * tint.1 + noise * approximateNormal(&g))
                    out[i + 2] = clampByte(b * 0.25 * tint.2 + noise * approximateNormal(&g))
                }
            }
        }
        return pixels
    }

    @inline(__always) private static func rgb(_ c: Colour) -> (Double, Double, Double) { (Double(c.r), Double(c.g), Double(c.b)) }

    /// Unit-variance, near-Gaussian noise from one draw: the centred sum of four 16-bit uniforms
    /// (sensor noise needs no exact tails; Box–Muller per pixel was a fifth of the time).
    @inline(__always) private static func approximateNormal(_ g: inout RandomGenerator) -> Double {
        let bits = g.next()
        let sum = Double(bits & 0xFFFF) + Double((bits >> 16) & 0xFFFF) + Double((bits >> 32) & 0xFFFF) + Double(bits >> 48)
        return (sum / 65_536 - 2) * 1.7320508075688772
    }

    @inline(__always) private static func clampByte(_ x: Double) -> UInt8 { UInt8(max(0, min(255, x.rounded()))) }

    /// The brand's main colour with its surface pattern.
    private static func patterned(_ brand: Brand, _ u: Double, _ v: Double, _ k: Double) -> (Double, Double, Double) {
        let base = rgb(brand.primary)
        let factor: Double
        switch brand.pattern {
        case .plain: factor = 1
        case .stripes: factor = Int(floor((u + v) * k)) & 1 == 0 ? 1 : 0.72
        case .dots:
            let fu = (u * k) - floor(u * k) - 0.5, fv = (v * k) - floor(v * k) - 0.5
            factor = fu * fu + fv * fv < 0.06 ? 1.35 : 1
        case .checker: factor = (Int(floor(u * k * 0.8)) + Int(floor(v * k * 0.8))) & 1 == 0 ? 1 : 0.78
        case .gradient: factor = 0.75 + 0.25 * (u + 1)
        }
        return (base.0 * factor, base.1 * factor, base.2 * factor)
    }
}
