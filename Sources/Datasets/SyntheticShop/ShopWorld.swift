import Foundation
import Tensor

struct Seller: Sendable {
    let ageDays: Double
    let rating: Double
    let categories: [Int]

    var isNew: Bool { ageDays < 90 }
    var isReputable: Bool { ageDays > 1_500 && rating >= 4.4 }

    /// New sellers (18 %) have few, noisy ratings; old ones are mostly reputable.
    static func generate(index: Int, seed: UInt64) -> Seller {
        var g = RandomGenerator.stream(seed: seed, .seller, index)
        let kind = g.weighted([0.18, 0.5, 0.32])
        let age: Double, rating: Double
        switch kind {
        case 0: age = g.logUniform(3, 90); rating = g.uniform(3.4, 5)
        case 1: age = g.logUniform(90, 1_500); rating = g.normal(mean: 4.45, std: 0.25)
        default: age = g.logUniform(1_500, 4_000); rating = g.normal(mean: 4.6, std: 0.2)
        }
        let categoryCount = ShopVocabulary.categories.count
        var categories = [index % categoryCount]
        for _ in 0..<g.nextInt(below: 3) {
            let c = g.nextInt(below: categoryCount)
            if !categories.contains(c) { categories.append(c) }
        }
        return Seller(ageDays: age, rating: min(5, max(1, rating)), categories: categories.sorted())
    }
}

/// What an item is in the ground truth.
enum ItemRole: UInt8, Sendable {
    case normal, counterfeit, priceManipulated
}

/// The picture an item is shown with: the shape of one category in the palette of one brand.
struct ImageKey: Hashable, Comparable, Sendable {
    let shapeCategory: Int
    let paletteBrand: Int
    /// Per-item image: the item index; shared images: the variant number.
    let variant: Int

    static func < (a: ImageKey, b: ImageKey) -> Bool {
        (a.shapeCategory, a.paletteBrand, a.variant) < (b.shapeCategory, b.paletteBrand, b.variant)
    }
}

struct Item: Sendable {
    let category: Int
    let brand: Int
    let seller: Int
    let price: Double
    let reviewCount: Double
    let reviewScore: Double
    /// Relative traffic the item draws.
    let popularity: Double
    /// Hidden centre of the item's ratings (see `ItemQuality`); not in items.csv.
    let quality: Double
    let role: ItemRole
    let clearance: Bool
    let image: ImageKey

    /// Log-price z-score against the category's price distribution.
    var priceZ: Double {
        let c = ShopVocabulary.categories[category]
        return (log(price) - c.logPriceMean) / c.logPriceSD
    }
}

extension Item {
    /// Item `index`. Prices are log-normal per category times the brand's tier; new sellers
    /// undercut a little; reputable old sellers sometimes clear stock at 30–50 %. A share of
    /// items (`ShopWorld.anomalousShares`) are counterfeit listings (picture of another category
    /// or brand, usually a price implausibly low for the brand) or have a manipulated price
    /// (4–6.5 standard deviations of the category's log price from its mean, up or down).
    static func generate(index: Int, seed: UInt64, brands: [Brand], sellers: [Seller], brandsOfCategory: [[Int]],
                         sellersOfCategory: [[Int]], sharedImageVariants: Int?, anomalousShares: (counterfeit: Double, manipulated: Double)) -> Item {
        var g = RandomGenerator.stream(seed: seed, .item, index)
        let categories = ShopVocabulary.categories
        // Two per category first, so every category has items even in a tiny shop.
        let c = index < 2 * categories.count ? index % categories.count : g.weighted(categories.map(\.share))
        let category = categories[c]
        let brand = g.pick(brandsOfCategory[c])
        let seller = g.pick(sellersOfCategory[c])
        let s = sellers[seller]
        var price = category.medianPrice * brands[brand].priceMultiplier * exp(category.priceSigma * g.nextNormal())
        if s.isNew { price *= 0.85 }
        let clearanceDraw = g.nextDouble(), popularity = exp(1.1 * g.nextNormal()), roleDraw = g.nextDouble()
        // Items 24–27 are always anomalous, so even the smallest shop has both kinds.
        let firstPlanted = 2 * categories.count
        let planted: ItemRole? = (firstPlanted..<firstPlanted + 4).contains(index)
            ? (index < firstPlanted + 2 ? .counterfeit : .priceManipulated) : nil
        let clearance = planted == nil && s.isReputable && clearanceDraw < 0.15
        if clearance { price *= g.uniform(0.3, 0.5) }
        let role: ItemRole = planted ?? (clearance ? .normal : roleDraw < anomalousShares.counterfeit ? .counterfeit
            : roleDraw < anomalousShares.counterfeit + anomalousShares.manipulated ? .priceManipulated : .normal)

        var shape = c, palette = brand
        switch role {
        case .counterfeit:
            if g.bernoulli(0.6) {
                shape = (c + 1 + g.nextInt(below: categories.count - 1)) % categories.count
            } else {
                let others = brandsOfCategory[c].filter { $0 != brand }
                palette = others.isEmpty ? (brand + 1 + g.nextInt(below: brands.count - 1)) % brands.count : g.pick(others)
            }
            if g.bernoulli(0.7) { price = category.medianPrice * brands[brand].priceMultiplier * g.uniform(0.2, 0.45) }
        case .priceManipulated:
            let shift = category.logPriceSD * g.uniform(4, 6.5)
            price = exp(category.logPriceMean + (g.bernoulli(0.6) ? shift : -shift))
        case .normal:
            break
        }
        price = max(0.5, (price * 100).rounded() / 100)

        let maturity = min(1, s.ageDays / 365)
        let reviewCount = (g.logNormal(median: 1 + 20 * pow(popularity, 0.7) * maturity, sigma: 0.9)).rounded(.down)
        let reviewScore = min(5, max(1, s.rating + g.normal(mean: 0, std: 0.25)))
        let variant = sharedImageVariants.map { g.nextInt(below: $0) } ?? index
        // Drawn last, so that every earlier attribute (and items.csv) stays as it was.
        let quality = ItemQuality.draw(&g)
        return Item(category: c, brand: brand, seller: seller, price: price, reviewCount: reviewCount,
                    reviewScore: (reviewScore * 100).rounded() / 100, popularity: popularity, quality: quality, role: role,
                    clearance: clearance, image: ImageKey(shapeCategory: shape, paletteBrand: palette, variant: variant))
    }
}

/// Brands, sellers and items, and the samplers sessions draw items from.
struct ShopWorld: Sendable {
    let brands: [Brand]
    let sellers: [Seller]
    let items: [Item]
    /// Per category, by popularity: every item / items that are not anomalous /
    /// normal items priced above the category's typical range (what takeovers buy).
    let itemsByCategory: [WeightedSampler]
    let normalItemsByCategory: [WeightedSampler]
    let highValueItemsByCategory: [WeightedSampler]
    let counterfeitItems: WeightedSampler
    let manipulatedItems: WeightedSampler
    /// Normal listings a shill pushes (poor quality) or nukes (good quality).
    let pushableItems: WeightedSampler
    let nukableItems: WeightedSampler
    /// Cheap items of new sellers (what brushing buys; normal users buy them too).
    let cheapNewSellerItems: WeightedSampler
    /// Normal items of each seller.
    let itemsOfSeller: [[Int32]]
    let categoryShares: [Double]

    init(config: ShopConfig) {
        let seed = config.seed, categories = ShopVocabulary.categories
        let brands = (0..<ShopVocabulary.brandCount).map { Brand.generate(index: $0, seed: seed) }
        let sellers = (0..<config.sellerCount).map { Seller.generate(index: $0, seed: seed) }
        let brandsOfCategory = categories.indices.map { c in brands.indices.filter { brands[$0].categories.contains(c) } }
        let sellersOfCategory = categories.indices.map { c in sellers.indices.filter { sellers[$0].categories.contains(c) } }
        let items = (0..<config.itemCount).map {
            Item.generate(index: $0, seed: seed, brands: brands, sellers: sellers, brandsOfCategory: brandsOfCategory,
                          sellersOfCategory: sellersOfCategory, sharedImageVariants: config.sharedImageVariants,
                          anomalousShares: ShopWorld.anomalousShares(config))
        }
        func sampler(_ keep: (Item) -> Bool, weight: (Item) -> Double = { $0.popularity }) -> WeightedSampler {
            let chosen = items.indices.filter { keep(items[$0]) }
            return WeightedSampler(values: chosen.map { Int32($0) }, weights: chosen.map { weight(items[$0]) })
        }
        let itemsByCategory = categories.indices.map { c in sampler { $0.category == c } }
        normalItemsByCategory = categories.indices.map { c in sampler { $0.category == c && $0.role == .normal } }
        highValueItemsByCategory = categories.indices.map { c in
            let pool = sampler { $0.category == c && $0.role == .normal && $0.priceZ > 0.5 }
            return pool.isEmpty ? sampler { $0.category == c && $0.role == .normal } : pool
        }
        counterfeitItems = sampler { $0.role == .counterfeit }
        manipulatedItems = sampler { $0.role == .priceManipulated }
        // The fallbacks keep tiny shops working: any normal listing.
        let pushable = sampler { $0.role == .normal && $0.quality < ItemQuality.pushedBelow && $0.popularity > 2.5 }
        let nukable = sampler { $0.role == .normal && $0.quality > ItemQuality.nukedAbove && $0.popularity > 1.5 }
        pushableItems = pushable.isEmpty ? sampler { $0.role == .normal } : pushable
        nukableItems = nukable.isEmpty ? sampler { $0.role == .normal } : nukable
        // The fallback keeps tiny shops working: cheap normal items of any seller.
        let cheapNew = sampler({ $0.role == .normal && sellers[$0.seller].isNew && $0.priceZ < -0.2 }, weight: { _ in 1 })
        let cheap = cheapNew.isEmpty ? sampler { $0.role == .normal && $0.priceZ < 0 } : cheapNew
        cheapNewSellerItems = cheap.isEmpty ? sampler { $0.role == .normal } : cheap
        var ofSeller = [[Int32]](repeating: [], count: sellers.count)
        for (j, item) in items.enumerated() where item.role == .normal { ofSeller[item.seller].append(Int32(j)) }
        itemsOfSeller = ofSeller
        categoryShares = categories.indices.map { itemsByCategory[$0].isEmpty ? 0 : categories[$0].share }
        self.itemsByCategory = itemsByCategory
        self.brands = brands
        self.sellers = sellers
        self.items = items
    }

    func category(of item: Int32) -> Int { items[Int(item)].category }

    /// Shares of counterfeit and price-manipulated listings: 2 %, or enough for 1.5 listings
    /// per sample of the type (so that a listing is rarely the target of two samples and its id
    /// cannot stand in for the label), rounded up to 0.5 % steps (so that adding a user rarely
    /// changes the catalogue), at most 15 %.
    static func anomalousShares(_ config: ShopConfig) -> (counterfeit: Double, manipulated: Double) {
        func share(_ type: AnomalyType) -> Double {
            let samples = config.anomalyCounts.first { $0.type == type }?.count ?? 0
            let needed = 1.5 * Double(samples) / Double(config.itemCount)
            return min(0.15, max(0.02, (needed / 0.005).rounded(.up) * 0.005))
        }
        return (share(.counterfeitListing), share(.priceManipulation))
    }

    /// Listings of `pool` in a popularity-weighted random order (each item's key from its own
    /// stream), for handing them out to victims without repeats.
    func victimOrder(_ pool: WeightedSampler, seed: UInt64, popularityPower: Double = 1) -> [Int32] {
        let keyed = pool.values.map { j -> (Double, Int32) in
            var g = RandomGenerator.stream(seed: seed, .victims, Int(j))
            return (log(max(g.nextDouble(), 1e-300)) / pow(items[Int(j)].popularity, popularityPower), j)
        }
        return keyed.sorted { ($0.0, $0.1) > ($1.0, $1.1) }.map(\.1)
    }
}
