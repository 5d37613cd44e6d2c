import Foundation

/// Which part of a product a point belongs to; parts take different colours.
enum ProductPart: UInt8 {
    case background, body, trim, accent, panel
}

/// Category silhouettes in object coordinates: u to the right, v downwards, both in [-1, 1].
extension ProductShape {
    @inline(__always) private static func box(_ u: Double, _ v: Double, _ u0: Double, _ u1: Double, _ v0: Double, _ v1: Double) -> Bool {
        u >= u0 && u <= u1 && v >= v0 && v <= v1
    }

    @inline(__always) private static func ellipse(_ u: Double, _ v: Double, _ cu: Double, _ cv: Double, _ ru: Double, _ rv: Double) -> Bool {
        let a = (u - cu) / ru, b = (v - cv) / rv
        return a * a + b * b <= 1
    }

    @inline(__always) private static func roundedBox(_ u: Double, _ v: Double, _ cu: Double, _ cv: Double,
                                                     _ hu: Double, _ hv: Double, _ r: Double) -> Bool {
        let du = max(abs(u - cu) - (hu - r), 0), dv = max(abs(v - cv) - (hv - r), 0)
        return du * du + dv * dv <= r * r
    }

    @inline(__always) private static func ring(_ u: Double, _ v: Double, _ cu: Double, _ cv: Double, _ inner: Double, _ outer: Double) -> Bool {
        let d = ((u - cu) * (u - cu) + (v - cv) * (v - cv)).squareRoot()
        return d >= inner && d <= outer
    }

    /// The part at (u, v).
    func part(_ u: Double, _ v: Double) -> ProductPart {
        typealias S = ProductShape
        switch self {
        case .wedge:  // a shoe in profile: high heel collar, low toe, thick sole
            if S.box(u, v, -0.85, 0.9, 0.3, 0.48) { return .trim }
            let top = -0.5 + (u + 0.8) / 1.68 * 0.6
            if u >= -0.8 && u <= 0.88 && v >= top && v < 0.3 {
                return S.box(u, v, -0.8, -0.55, top, top + 0.12) ? .trim : .body
            }
        case .handbag:  // rounded body, flap, arched handle
            if S.roundedBox(u, v, 0, 0.3, 0.7, 0.45, 0.15) { return v < 0.05 ? .trim : .body }
            if v < -0.15 && S.ring(u, v, 0, -0.15, 0.3, 0.42) { return .trim }
        case .dome:  // a hat: crown, band, brim
            if S.ellipse(u, v, 0, 0.3, 0.95, 0.13) { return .trim }
            if v <= 0.3 && S.ellipse(u, v, 0, 0.3, 0.6, 0.75) { return v > 0.12 ? .trim : .body }
        case .tShape:  // a T-shirt: torso, sleeves with cuffs, round collar
            if S.ellipse(u, v, 0, -0.62, 0.18, 0.18) { return .background }
            if S.ellipse(u, v, 0, -0.62, 0.25, 0.25) && v > -0.62 { return .trim }
            if S.box(u, v, -0.45, 0.45, -0.62, 0.85) { return .body }
            if abs(u) >= 0.45 && abs(u) <= 0.92 && v >= -0.62 && v <= -0.2 + (0.92 - abs(u)) * 0.3 {
                return abs(u) > 0.8 ? .trim : .body
            }
        case .watch:  // round case and dial on a strap
            if S.ellipse(u, v, 0, 0, 0.34, 0.34) {
                if abs(u) < 0.035 && v > -0.27 && v < 0 { return .trim }
                if abs(v) < 0.035 && u > 0 && u < 0.2 { return .trim }
                return .panel
            }
            if S.ellipse(u, v, 0, 0, 0.46, 0.46) { return .body }
            if S.box(u, v, -0.22, 0.22, -0.95, 0.95) { return .trim }
        case .phone:  // tall rounded slab with a dark screen
            if S.box(u, v, -0.35, 0.35, -0.68, 0.7) { return .trim }
            if S.roundedBox(u, v, 0, 0, 0.42, 0.85, 0.12) { return .body }
        case .laptop:  // open lid with a bright screen over a flared base
            if S.box(u, v, -0.62, 0.62, -0.67, 0.17) { return .panel }
            if S.box(u, v, -0.7, 0.7, -0.75, 0.25) { return .body }
            if v >= 0.25 && v <= 0.42 && abs(u) <= 0.7 + (v - 0.25) / 0.17 * 0.2 { return .trim }
        case .headphones:  // headband arc with two ear cups
            if S.ellipse(u, v, -0.62, 0.3, 0.17, 0.3) || S.ellipse(u, v, 0.62, 0.3, 0.17, 0.3) { return .trim }
            if v <= 0.2 && S.ring(u, v, 0, 0.2, 0.55, 0.69) { return .body }
        case .glasses:  // two dark lenses in a frame, bridge and temples
            if S.ellipse(u, v, -0.42, 0, 0.26, 0.19) || S.ellipse(u, v, 0.42, 0, 0.26, 0.19) { return .trim }
            if S.ellipse(u, v, -0.42, 0, 0.34, 0.27) || S.ellipse(u, v, 0.42, 0, 0.34, 0.27) { return .body }
            if S.box(u, v, -0.12, 0.12, -0.12, -0.03) || S.box(u, v, -0.98, -0.74, -0.14, -0.05) || S.box(u, v, 0.74, 0.98, -0.14, -0.05) {
                return .body
            }
        case .ring:  // a band with a cut gem on top
            if abs(u) + abs(v + 0.38) <= 0.26 { return .trim }
            if S.ring(u, v, 0, 0.25, 0.38, 0.53) { return .body }
        case .bottle:  // body, shoulders, neck and cap, a label band
            if S.box(u, v, -0.17, 0.17, -0.9, -0.68) { return .trim }
            if S.box(u, v, -0.13, 0.13, -0.7, -0.1) { return .body }
            if S.roundedBox(u, v, 0, 0.35, 0.36, 0.52, 0.14) { return v > 0.15 && v < 0.5 ? .panel : .body }
        case .book:  // a cover with a spine and title lines
            if S.box(u, v, -0.55, 0.55, -0.78, 0.78) {
                if u < -0.42 { return .trim }
                if u > -0.3 && u < 0.4 && ((v > -0.52 && v < -0.4) || (v > -0.32 && v < -0.25)) { return .panel }
                return .body
            }
        }
        return .background
    }

    /// Where the brand's mark sits on this product, and its radius.
    var logoAnchor: (u: Double, v: Double, radius: Double) {
        switch self {
        case .wedge: (0.25, 0.02, 0.11)
        case .handbag: (0, 0.38, 0.14)
        case .dome: (0, -0.12, 0.13)
        case .tShape: (0, -0.1, 0.16)
        case .watch: (0, 0.72, 0.1)
        case .phone: (0, 0, 0.16)
        case .laptop: (0, -0.25, 0.14)
        case .headphones: (0.62, 0.3, 0.11)
        case .glasses: (0.42, 0, 0.11)
        case .ring: (0, -0.38, 0.1)
        case .bottle: (0, 0.33, 0.13)
        case .book: (0.05, 0.25, 0.16)
        }
    }
}

extension LogoMark {
    /// Whether offset (du, dv) from the mark's centre is inside a mark of radius `r`.
    @inline(__always) func contains(_ du: Double, _ dv: Double, radius r: Double) -> Bool {
        switch self {
        case .disc: du * du + dv * dv <= r * r
        case .square: abs(du) <= r * 0.8 && abs(dv) <= r * 0.8
        case .triangle: dv <= r * 0.7 && dv >= -r && abs(du) <= (dv + r) * 0.6
        case .bar: abs(dv) <= r * 0.35 && abs(du) <= r * 1.2
        case .cross: (abs(du) <= r * 0.3 && abs(dv) <= r) || (abs(dv) <= r * 0.3 && abs(du) <= r)
        }
    }
}
