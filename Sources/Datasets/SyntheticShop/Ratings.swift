import Foundation
import Tensor

/// Item quality: the hidden centre of an item's ratings. It is never written anywhere (items.csv
/// keeps its seller-driven `review_score`), so an item's typical rating can only be learnt from
/// other users' reviews — which is what makes a rating odd or ordinary.
enum ItemQuality {
    /// Most items are good (mean 4.3, a sixth above 4.8); one in twelve is a lemon (a defect, a
    /// poor copy) that honest buyers rate 1 or 2.
    static func draw(_ g: inout RandomGenerator) -> Double {
        let lemon = g.bernoulli(0.08)
        return min(5.2, max(1.2, lemon ? g.normal(mean: 1.8, std: 0.4) : g.normal(mean: 4.3, std: 0.7)))
    }

    /// Items a shill pushes to 5 (lemons, where a 5 stands out) or nukes to 1 (very good ones).
    static let pushedBelow = 2.6
    static let nukedAbove = 4.8
    /// Shills' targets are handed out most popular first (weights popularity³): a rating attack
    /// is worth its trouble on listings people see.
    static let targetPopularityPower = 3.0

    /// Stars for a satisfaction score. The steps are J-shaped like real shops' ratings: the
    /// satisfied give 5 (half of all ratings), the disappointed go straight to 1 or 2, few give
    /// 3 — so an extreme rating is ordinary and only its distance from the item's usual rating
    /// tells.
    static func stars(_ satisfaction: Double) -> UInt8 {
        satisfaction < 2.2 ? 1 : satisfaction < 2.9 ? 2 : satisfaction < 3.5 ? 3 : satisfaction < 4.2 ? 4 : 5
    }
}

/// How a rating-manipulation account plays its part, fixed per user before simulation (the
/// target listing is handed out from it).
struct AttackStyle: Sendable, Equatable {
    /// Nukes a good item to 1 instead of pushing a poor one to 5.
    var nuke: Bool
    /// Filler ratings drawn at random (random attack) instead of near the item's mean (average attack).
    var randomFillerRatings: Bool
    /// Besides its ordinary (popularity-drawn) purchases, buys a few items at random to rate as filler.
    var randomFillerItems: Bool
    /// Filler reviews before the target's: often none, so that shills review no more often than
    /// normal users do.
    var fillers: Int
}

/// Turns a review into a star rating (1…5). Normal users rate around the item's quality with a
/// personal bias (some harsh, some generous) and noise; a rating-manipulation account gives its
/// target an extreme rating and everything else filler ratings. Each user has a rating stream of
/// its own, so ratings do not disturb the behaviour streams.
struct Rater: Sendable {
    private var g: RandomGenerator
    /// Added to every honest rating: harsh users below 0, generous ones above.
    let bias: Double
    /// Drawn for every user (so every stream is consumed alike) but used only by attackers.
    let style: AttackStyle
    /// Set for a rating-manipulation account: the listing it pushes or nukes.
    var target: Int32?

    init(seed: UInt64, user: Int) {
        g = RandomGenerator.stream(seed: seed, .ratings, user)
        bias = g.normal(mean: 0, std: 0.5)
        style = AttackStyle(nuke: g.bernoulli(0.1), randomFillerRatings: g.bernoulli(0.5), randomFillerItems: g.bernoulli(0.5),
                            fillers: [0, 1, 2, 3, 4][g.weighted([0.4, 0.25, 0.15, 0.1, 0.1])])
    }

    /// Reviews the user may still write besides a shill's target (−1: any number).
    var reviewsLeft: Int { target == nil ? -1 : fillersWritten < style.fillers ? style.fillers - fillersWritten : 0 }
    private var fillersWritten = 0

    /// A rating of `item` by this user.
    mutating func rate(_ item: Int32, world: ShopWorld) -> UInt8 {
        let quality = world.items[Int(item)].quality
        if let target {
            if item == target { return style.nuke ? 1 : 5 }
            fillersWritten += 1
            // Filler: an average attack rates near the item's usual rating (what an unbiased
            // customer gives), a random attack around the shop-wide mean with its spread.
            return style.randomFillerRatings ? UInt8(min(5, max(1, g.normal(mean: 4, std: 1.2).rounded())))
                : ItemQuality.stars(g.normal(mean: quality, std: 0.3))
        }
        // One purchase in thirty-three disappoints (a defect, a late delivery) whatever the item.
        let letdown = g.bernoulli(0.03) ? 2.5 : 0
        return ItemQuality.stars(quality + bias + g.normal(mean: 0, std: 0.6) - letdown)
    }
}

extension SessionBuilder {
    /// Share of review visits that go on to the reviewed item's page (the review shows there),
    /// for attackers and normal users alike, so the last event is a view as often as a review.
    static let viewAfterReview = 0.5

    /// Ends the session by reviewing `item` (bought at least three days earlier), then
    /// sometimes looking at its page.
    mutating func reviewEnding(_ item: Int32, _ g: inout RandomGenerator) {
        if let k = purchases.firstIndex(where: { $0.item == item && !$0.reviewed }) { purchases[k].reviewed = true }
        emit(.review, item: item, &g)
        if g.bernoulli(SessionBuilder.viewAfterReview) {
            emit(.view, item: item, category: world.category(of: item), dwell: g.logNormal(median: 8, sigma: 0.6),
                 pause: Timing.pause(.view, &g))
        }
    }

    /// An unreviewed purchase of a normal listing at least three days old, for a review ending
    /// (normal samples never end on a bad listing).
    func reviewablePurchase(_ g: inout RandomGenerator) -> Int32? {
        let eligible = purchases.filter {
            !$0.reviewed && $0.time < clock - 3 * ShopTimeline.day && world.items[Int($0.item)].role == .normal
        }
        return eligible.isEmpty ? nil : g.pick(eligible).item
    }
}
