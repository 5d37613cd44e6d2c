import Foundation
import Tensor

/// The silhouette a category's products are drawn with.
enum ProductShape: Int, CaseIterable, Sendable {
    case wedge, handbag, dome, tShape, watch, phone, laptop, headphones, glasses, ring, bottle, book
}

/// A product category with its price distribution (log-normal) and traffic share.
struct ShopCategory: Sendable {
    let name: String
    let shape: ProductShape
    let medianPrice: Double
    /// Spread of log price within the category.
    let priceSigma: Double
    /// High-value goods that resell easily (what account takeovers go for).
    let resaleable: Bool
    /// Relative share of items and traffic.
    let share: Double

    /// Mean and standard deviation of log price over the category's listings, brand tiers
    /// included (the category's price distribution).
    var logPriceMean: Double { log(medianPrice) + ShopVocabulary.tierLogMean }
    var logPriceSD: Double { (priceSigma * priceSigma + ShopVocabulary.tierLogVariance).squareRoot() }
}

enum ShopVocabulary {
    static let categories: [ShopCategory] = [
        .init(name: "shoes", shape: .wedge, medianPrice: 60, priceSigma: 0.5, resaleable: false, share: 1.3),
        .init(name: "bags", shape: .handbag, medianPrice: 45, priceSigma: 0.6, resaleable: false, share: 1.0),
        .init(name: "hats", shape: .dome, medianPrice: 20, priceSigma: 0.45, resaleable: false, share: 0.7),
        .init(name: "shirts", shape: .tShape, medianPrice: 25, priceSigma: 0.45, resaleable: false, share: 1.4),
        .init(name: "watches", shape: .watch, medianPrice: 120, priceSigma: 0.8, resaleable: true, share: 0.7),
        .init(name: "phones", shape: .phone, medianPrice: 450, priceSigma: 0.5, resaleable: true, share: 0.8),
        .init(name: "laptops", shape: .laptop, medianPrice: 900, priceSigma: 0.4, resaleable: true, share: 0.5),
        .init(name: "headphones", shape: .headphones, medianPrice: 80, priceSigma: 0.7, resaleable: true, share: 0.7),
        .init(name: "sunglasses", shape: .glasses, medianPrice: 40, priceSigma: 0.6, resaleable: false, share: 0.6),
        .init(name: "jewelry", shape: .ring, medianPrice: 150, priceSigma: 0.9, resaleable: true, share: 0.5),
        .init(name: "bottles", shape: .bottle, medianPrice: 15, priceSigma: 0.4, resaleable: false, share: 0.6),
        .init(name: "books", shape: .book, medianPrice: 18, priceSigma: 0.35, resaleable: false, share: 1.0),
    ]
    static let resaleableCategories = categories.indices.filter { categories[$0].resaleable }

    static let regions = ["north", "south", "east", "west", "central", "coast", "capital", "islands"]
    static let regionShares = [1.0, 1.0, 0.9, 0.9, 0.8, 0.6, 1.6, 0.3]
    static let devices = ["ios", "android", "web_desktop", "web_mobile", "tablet"]
    static let deviceShares = [0.35, 0.38, 0.17, 0.07, 0.03]
    static let ageBands = ["18-24", "25-34", "35-44", "45-54", "55+"]
    static let ageBandShares = [0.18, 0.3, 0.24, 0.16, 0.12]
    static let genders = ["f", "m", "x"]
    static let genderShares = [0.49, 0.48, 0.03]
    static let hourBuckets = ["night", "morning", "afternoon", "evening"]

    /// `night` 0–6 h, `morning` 6–12, `afternoon` 12–18, `evening` 18–24 (UTC).
    static func hourBucket(_ hour: Double) -> Int { min(3, max(0, Int(hour.truncatingRemainder(dividingBy: 24) / 6))) }

    static let brandCount = 40
    /// Price multipliers of the brand tiers: budget, mid, premium, luxury.
    static let tierMultipliers = [0.6, 1.0, 1.7, 3.0]
    static let tierShares = [0.3, 0.4, 0.2, 0.1]
    static let tierLogMean = zip(tierMultipliers, tierShares).reduce(0) { $0 + log($1.0) * $1.1 }
    static let tierLogVariance = zip(tierMultipliers, tierShares).reduce(0) { $0 + pow(log($1.0) - tierLogMean, 2) * $1.1 }
}

/// An 8-bit colour.
struct Colour: Sendable, Equatable {
    var r: UInt8, g: UInt8, b: UInt8

    /// From hue in [0, 1), saturation and value in [0, 1].
    static func hsv(_ h: Double, _ s: Double, _ v: Double) -> Colour {
        let hh = (h - floor(h)) * 6, i = Int(hh) % 6, f = hh - floor(hh)
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        let (r, g, b): (Double, Double, Double) = switch i {
        case 0: (v, t, p)
        case 1: (q, v, p)
        case 2: (p, v, t)
        case 3: (p, q, v)
        case 4: (t, p, v)
        default: (v, p, q)
        }
        func byte(_ x: Double) -> UInt8 { UInt8(max(0, min(255, (x * 255).rounded()))) }
        return Colour(r: byte(r), g: byte(g), b: byte(b))
    }
}

/// How a brand decorates its products' main surface.
enum SurfacePattern: Int, CaseIterable, Sendable { case plain, stripes, dots, checker, gradient }

/// The brand's mark, drawn on every product at the category's logo anchor.
enum LogoMark: Int, CaseIterable, Sendable { case disc, square, triangle, bar, cross }

struct Brand: Sendable {
    let name: String
    /// Index into `ShopVocabulary.tierMultipliers`.
    let tier: Int
    let primary: Colour, secondary: Colour, accent: Colour
    let pattern: SurfacePattern
    let logo: LogoMark
    let categories: [Int]

    var priceMultiplier: Double { ShopVocabulary.tierMultipliers[tier] }

    /// Brand `index`: a palette of mid-to-dark colours (they stand out on light backgrounds),
    /// a pattern, a mark, a price tier, and the categories it sells (its home category
    /// `index % 12` plus one or two others).
    static func generate(index: Int, seed: UInt64) -> Brand {
        var g = RandomGenerator.stream(seed: seed, .brand, index)
        let hue = g.nextDouble()
        let primary = Colour.hsv(hue, g.uniform(0.5, 0.95), g.uniform(0.3, 0.7))
        let secondary = Colour.hsv(hue + g.uniform(0.25, 0.75), g.uniform(0.3, 0.9), g.uniform(0.15, 0.55))
        let accent = Colour.hsv(hue + g.uniform(0.4, 0.6), g.uniform(0.7, 1), g.uniform(0.85, 1))
        let categoryCount = ShopVocabulary.categories.count
        var categories = [index % categoryCount]
        for _ in 0..<(1 + g.nextInt(below: 2)) {
            let c = g.nextInt(below: categoryCount)
            if !categories.contains(c) { categories.append(c) }
        }
        return Brand(name: "brand\(index)", tier: g.weighted(ShopVocabulary.tierShares),
                     primary: primary, secondary: secondary, accent: accent,
                     pattern: SurfacePattern(rawValue: g.nextInt(below: SurfacePattern.allCases.count))!,
                     logo: LogoMark(rawValue: g.nextInt(below: LogoMark.allCases.count))!,
                     categories: categories.sorted())
    }
}
