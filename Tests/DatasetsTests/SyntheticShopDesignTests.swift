import Foundation
import Testing
@testable import Datasets

/// Simple per-sample statistics of a simulated shop, to check that each anomaly type differs
/// from normal samples as designed and that no trivial feature gives the label away.
struct ShopProbe: Sendable {
    struct Sample: Sendable {
        var type: AnomalyType?
        var target: Int32
        var historyLength: Double
        var targetFrequency: Double
        var accountAge: Double
        var price: Double
        var priceZ: Double
        var sellerAge: Double
        var medianGap: Double
        /// Coefficient of variation of the last session's gaps (1 when it has fewer than three).
        var gapVariation: Double
        var repeatRatio: Double
        var lastCategories: Double
        var cartBuyOrFav: Bool
        var leftUsualDeviceOrRegion: Bool
        var boughtOutsidePreferences: Bool
        /// The user's review ratings, oldest first.
        var ratings: [Double]
        /// Mean |rating − the item's mean over other users' ratings| (0 without ratings).
        var ratingDeviation: Double
        var lastEventIsReview: Bool
        var lastEventIsView: Bool
        /// Reviews not preceded by the user's purchase of the item at least three days before.
        var unboughtReviews: Int
    }

    let shop: SyntheticShop
    let samples: [Sample]

    /// A small-like shop with about 100 samples of each type.
    static let standard = ShopProbe()

    init() {
        var config = ShopConfig(preset: .small, seed: 7)
        config.userCount = 2_400
        config.itemCount = 1_500
        config.sellerCount = 200
        config.anomalyRate = 0.25
        let shop = try! SyntheticShop(config: config)
        let users = (0..<config.userCount).map { shop.user($0) }
        var frequency = [Double](repeating: 0, count: config.itemCount)
        for u in users { for e in u.events where e.item >= 0 { frequency[Int(e.item)] += 1 } }
        // Every user's ratings per item, for leave-one-out item means shrunk toward the overall
        // mean by one pseudo-rating, as the population features do.
        var ratingSum = [Double](repeating: 0, count: config.itemCount), ratingCount = ratingSum
        for u in users { for e in u.events where e.kind == .review { ratingSum[Int(e.item)] += Double(e.rating); ratingCount[Int(e.item)] += 1 } }
        let overallRating = ratingSum.reduce(0, +) / max(1, ratingCount.reduce(0, +))
        func deviation(_ reviews: [ShopEvent]) -> Double {
            guard !reviews.isEmpty else { return 0 }
            var own: [Int32: (sum: Double, count: Double)] = [:]
            for e in reviews { own[e.item, default: (0, 0)].sum += Double(e.rating); own[e.item, default: (0, 0)].count += 1 }
            let deviations = reviews.map { e -> Double in
                let j = Int(e.item), mine = own[e.item]!
                let mean = (ratingSum[j] - mine.sum + overallRating) / (ratingCount[j] - mine.count + 1)
                return abs(Double(e.rating) - mean)
            }
            return deviations.reduce(0, +) / Double(deviations.count)
        }
        samples = users.map { u in
            let lastSession = u.events.last!.session
            let last = u.events.filter { $0.session == lastSession }
            let times = last.map { Double($0.timeMillis) / 1000 }
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            let items = last.filter { $0.item >= 0 }.map(\.item)
            let target = shop.world.items[Int(u.target)]
            let gapMean = gaps.isEmpty ? 0 : gaps.reduce(0, +) / Double(gaps.count)
            let gapSD = gaps.isEmpty ? 0 : (gaps.map { ($0 - gapMean) * ($0 - gapMean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
            return Sample(
                type: u.role, target: u.target, historyLength: Double(u.events.count), targetFrequency: frequency[Int(u.target)],
                accountAge: u.profile.accountAgeDays, price: target.price, priceZ: target.priceZ,
                sellerAge: shop.world.sellers[target.seller].ageDays,
                medianGap: median(gaps), gapVariation: gaps.count >= 3 && gapMean > 0 ? gapSD / gapMean : 1,
                repeatRatio: items.isEmpty ? 0 : 1 - Double(Set(items).count) / Double(items.count),
                lastCategories: Double(Set(last.map(\.category)).count),
                cartBuyOrFav: last.contains { $0.kind == .cart || $0.kind == .buy || $0.kind == .fav },
                leftUsualDeviceOrRegion: last.contains { Int($0.device) != u.profile.device || Int($0.region) != u.profile.region },
                boughtOutsidePreferences: last.contains { $0.kind == .buy && !u.profile.preferredCategories.contains(Int($0.category)) },
                ratings: u.events.filter { $0.kind == .review }.map { Double($0.rating) },
                ratingDeviation: deviation(u.events.filter { $0.kind == .review }),
                lastEventIsReview: u.events.last!.kind == .review, lastEventIsView: u.events.last!.kind == .view,
                unboughtReviews: u.events.filter { r in
                    r.kind == .review && !u.events.contains { $0.kind == .buy && $0.item == r.item && $0.timeMillis <= r.timeMillis - 259_200_000 }
                }.count)
        }
        self.shop = shop
    }

    func of(_ type: AnomalyType?) -> [Sample] { samples.filter { $0.type == type } }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func fraction<T>(_ values: [T], _ predicate: (T) -> Bool) -> Double {
    Double(values.filter(predicate).count) / Double(max(1, values.count))
}

/// Area under the ROC curve of `feature` separating `positives` from `negatives`, in the better
/// direction (0.5 … 1): what the best single-threshold classifier on that feature can rank.
func separation(_ positives: [Double], _ negatives: [Double]) -> Double {
    let all = (positives.map { ($0, true) } + negatives.map { ($0, false) }).sorted { $0.0 < $1.0 }
    var rankSum = 0.0, i = 0
    while i < all.count {
        var j = i
        while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
        let rank = Double(i + j) / 2 + 1  // ties share their average rank
        for k in i...j where all[k].1 { rankSum += rank }
        i = j + 1
    }
    let p = Double(positives.count), n = Double(negatives.count)
    let auc = (rankSum - p * (p + 1) / 2) / (p * n)
    return max(auc, 1 - auc)
}

@Suite struct SyntheticShopDesignTests {
    let probe = ShopProbe.standard
    var normal: [ShopProbe.Sample] { probe.of(nil) }

    @Test func separationIsTheROCArea() {
        #expect(separation([3, 4], [1, 2]) == 1)
        #expect(separation([1, 2], [3, 4]) == 1)
        #expect(separation([1, 3], [2, 4]) == 0.75)
        #expect(separation([1, 1], [1, 1]) == 0.5)
    }

    @Test func clickFarmingIsFastAndRepetitive() {
        let farm = probe.of(.clickFarming)
        #expect(median(farm.map(\.medianGap)) < 0.35 * median(normal.map(\.medianGap)))
        #expect(median(farm.map(\.repeatRatio)) > median(normal.map(\.repeatRatio)) + 0.25)
        // Fast and repetitive together.
        let score = { (s: ShopProbe.Sample) in s.repeatRatio - log(1 + s.medianGap) / 3 }
        #expect(separation(farm.map(score), normal.map(score)) > 0.95)
    }

    @Test func botCrawlersAreRegularBroadAndNeverBuy() {
        let bots = probe.of(.botCrawler)
        #expect(median(bots.map(\.gapVariation)) < 0.1)
        #expect(median(normal.map(\.gapVariation)) > 0.6)
        #expect(!bots.contains { $0.cartBuyOrFav })
        #expect(median(bots.map(\.lastCategories)) >= 2 * median(normal.map(\.lastCategories)))
        #expect(separation(bots.map(\.gapVariation), normal.map(\.gapVariation)) > 0.97)
    }

    @Test func brushingIsAFreshAccountBuyingCheapFromANewSeller() {
        let brushing = probe.of(.brushing)
        #expect(median(brushing.map(\.accountAge)) < 10)
        #expect(median(normal.map(\.accountAge)) > 100)
        #expect(brushing.allSatisfy { $0.sellerAge < 90 && $0.priceZ < 0 })
        #expect(fraction(normal) { $0.sellerAge < 90 && $0.priceZ < 0 } < 0.2)
        #expect(brushing.allSatisfy { $0.cartBuyOrFav })
    }

    @Test func accountTakeoversLeaveTheProfilesHabits() {
        let takeovers = probe.of(.accountTakeover)
        #expect(fraction(takeovers, \.leftUsualDeviceOrRegion) > 0.9)
        #expect(fraction(normal, \.leftUsualDeviceOrRegion) < 0.3)
        #expect(fraction(takeovers, \.boughtOutsidePreferences) > 0.6)
        #expect(fraction(normal, \.boughtOutsidePreferences) < 0.15)
    }

    @Test func manipulatedPricesAreExtremeForTheirCategory() {
        let manipulated = probe.of(.priceManipulation)
        #expect(manipulated.allSatisfy { abs($0.priceZ) > 3 })
        #expect(fraction(normal) { abs($0.priceZ) > 3 } < 0.02)
        // The z-score within the category gives it away; the raw price does not.
        #expect(separation(manipulated.map { abs($0.priceZ) }, normal.map { abs($0.priceZ) }) > 0.97)
        #expect(separation(manipulated.map(\.price), normal.map(\.price)) < 0.8)
    }

    @Test func counterfeitPicturesLookLikeAnotherCategory() {
        let world = probe.shop.world, size = 32
        let plan = PicturePlan(world: world, config: probe.shop.config)
        func features(_ item: Int) -> [Double] {
            // Standardised luminance: the silhouette, whatever the palette.
            let p = plan.render(plan.pictures[Int(plan.pictureOfItem[item])], world: world, seed: probe.shop.config.seed, size: size)
            var y = [Double](repeating: 0, count: size * size)
            for k in y.indices {
                let r = Double(p[3 * k]), g = Double(p[3 * k + 1]), b = Double(p[3 * k + 2])
                y[k] = 0.299 * r + 0.587 * g + 0.114 * b
            }
            let mean = y.reduce(0, +) / Double(y.count)
            let sd = (y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(y.count)).squareRoot()
            y = y.map { ($0 - mean) / max(sd, 1e-6) }
            return y
        }
        let categories = ShopVocabulary.categories.indices
        let normalItems = categories.map { c in world.items.indices.filter { world.items[$0].category == c && world.items[$0].role == .normal } }
        let means: [[Double]] = categories.map { c in
            let images = normalItems[c].prefix(30).map(features)
            return (0..<(size * size)).map { k in images.map { $0[k] }.reduce(0, +) / Double(images.count) }
        }
        func distance(_ f: [Double], _ m: [Double]) -> Double {
            var sum = 0.0
            for k in f.indices { sum += (f[k] - m[k]) * (f[k] - m[k]) }
            return sum
        }
        func nearest(_ f: [Double]) -> Int { categories.min { distance(f, means[$0]) < distance(f, means[$1]) }! }
        let controls = categories.flatMap { normalItems[$0].dropFirst(30).prefix(8) }
        let controlHits = fraction(controls) { nearest(features($0)) == world.items[$0].category }
        let swapped = world.items.indices.filter { world.items[$0].role == .counterfeit && world.items[$0].image.shapeCategory != world.items[$0].category }
        let fooled = fraction(swapped) { nearest(features($0)) != world.items[$0].category }
        #expect(swapped.count >= 10)
        #expect(controlHits > 0.7, "normal pictures nearest their own category: \(controlHits)")
        #expect(fooled > 0.7, "counterfeit pictures nearest another category: \(fooled)")
        // And most counterfeit listings are priced well below their brand's typical price.
        func cheapForBrand(_ item: Item) -> Bool {
            item.price < 0.5 * ShopVocabulary.categories[item.category].medianPrice * world.brands[item.brand].priceMultiplier
        }
        #expect(fraction(world.items.filter { $0.role == .counterfeit }, cheapForBrand) > 0.45)
        #expect(fraction(world.items.filter { $0.role == .normal }, cheapForBrand) < 0.2)
    }

    @Test func badListingsAreTargetedOnceAndOnlyByTheirType() {
        let world = probe.shop.world
        for (type, role) in [(AnomalyType.counterfeitListing, ItemRole.counterfeit), (.priceManipulation, .priceManipulated)] {
            let targets = probe.of(type).map(\.target)
            #expect(targets.allSatisfy { world.items[Int($0)].role == role })
            #expect(Set(targets).count == targets.count, "a \(role) listing is the target of two samples")
        }
        // Normal samples never end on a bad listing, so that the listing decides the label.
        #expect(normal.allSatisfy { world.items[Int($0.target)].role == .normal })
    }

    /// Per-user features a model could compute without other users' ratings. Those marked
    /// `rated` aggregate the user's ratings and are compared with normal users who have rated
    /// something (without ratings they are undefined, and whether a user rates at all is the
    /// number of reviews' business).
    static let ratingFeatures: [(name: String, rated: Bool, value: @Sendable (ShopProbe.Sample) -> Double)] = [
        ("mean rating", true, { $0.ratings.reduce(0, +) / Double($0.ratings.count) }),
        ("share of 5s", true, { fraction($0.ratings) { $0 == 5 } }),
        ("share of 1s or 5s", true, { fraction($0.ratings) { $0 == 1 || $0 == 5 } }),
        ("last rating", true, { $0.ratings.last! }),
        ("last rating is 5", true, { $0.ratings.last == 5 ? 1 : 0 }),
        ("rating std", true, { s in
            let m = s.ratings.reduce(0, +) / Double(s.ratings.count)
            return (s.ratings.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(s.ratings.count)).squareRoot()
        }),
        ("number of reviews", false, { Double($0.ratings.count) }),
        ("last event is a review", false, { $0.lastEventIsReview ? 1 : 0 }),
        ("account age", false, { $0.accountAge }), ("sequence length", false, { $0.historyLength }),
        ("target item frequency", false, { $0.targetFrequency }),
    ]

    @Test func ratingManipulationIsOddOnlyAgainstOtherUsersRatings() {
        let shills = probe.of(.ratingManipulation)
        let raters = normal.filter { !$0.ratings.isEmpty }
        #expect(shills.count >= 80)
        // Every shill ends on an extreme rating of its target; normal samples end on reviews too.
        #expect(shills.allSatisfy { $0.ratings.last == 5 || $0.ratings.last == 1 })
        #expect(fraction(normal) { $0.lastEventIsReview } > 0.08)
        // Everyone reviews only what they bought at least three days before.
        #expect(probe.samples.allSatisfy { $0.unboughtReviews == 0 })
        for (name, rated, feature) in Self.ratingFeatures {
            let auc = separation(shills.map(feature), (rated ? raters : normal).map(feature))
            #expect(auc < 0.75, "\(name) separates rating manipulation with AUC \(auc)")
        }
        // Against the item's mean over other users' ratings, the shill's ratings stand out.
        let deviation = separation(shills.map(\.ratingDeviation), normal.map(\.ratingDeviation))
        let againstRaters = separation(shills.map(\.ratingDeviation), raters.map(\.ratingDeviation))
        #expect(deviation >= 0.85, "item-relative deviation separates rating manipulation with AUC \(deviation)")
        #expect(againstRaters >= 0.78, "item-relative deviation against normal users with ratings: AUC \(againstRaters)")
    }

    @Test func noTrivialFeatureGivesTheLabelAway() {
        let anomalous = probe.samples.filter { $0.type != nil }
        let trivial: [(String, (ShopProbe.Sample) -> Double)] = [
            ("sequence length", \.historyLength), ("target item frequency", \.targetFrequency),
            ("account age", \.accountAge), ("price", \.price),
        ]
        for (name, feature) in trivial {
            let overall = separation(anomalous.map(feature), normal.map(feature))
            #expect(overall < 0.75, "\(name) separates anomalies from normal samples with AUC \(overall)")
            for type in AnomalyType.allCases {
                let auc = separation(probe.of(type).map(feature), normal.map(feature))
                #expect(auc < 0.93, "\(name) separates \(type) with AUC \(auc)")
            }
        }
    }
}
