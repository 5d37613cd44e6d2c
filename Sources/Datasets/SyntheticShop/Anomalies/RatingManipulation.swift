import Foundation
import Tensor

/// Rating manipulation (needs the sequence against the population): a shill account with an
/// ordinary profile and history (any archetype, its usual devices and hours) that bought its
/// target listing 4–25 days before and whose last session, an ordinary one, ends by reviewing
/// it at an extreme — 5 on a lemon (quality below 2.6), or, for 10 %, 1 on a very good item
/// (above 4.8); only listings popular enough to be worth pushing (popularity above 2.5 for a
/// lemon, 1.5 for a nuked item), each the target of one sample while there are enough, the most
/// popular first — so other users' ratings of the target exist to tell the shill apart. Its
/// 0–4 other reviews are filler: for half the accounts near each item's usual rating (average
/// attack), for the rest at random around the shop-wide mean (random attack); half also bought
/// one or two random listings to rate, the rest rate their ordinary, popularity-drawn purchases.
/// Confusers: normal last sessions end on a review of an earlier purchase whenever there is one
/// (nine times in ten), and half of all normal ratings are 5 (generous users, good items), a few
/// 1; every review, the shill's too, is of a purchase. Only a rating far from what everyone else
/// gave the same item marks the shill.
enum RatingManipulation: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) {
        var (profile, plan) = NormalUser.account(&g)
        // The target was bought at least four days before the last session, by this account.
        if profile.accountAgeDays < 5.5 { profile.accountAgeDays += 5 }
        return (profile, plan)
    }

    static func history(_ b: inout SessionBuilder, user: UserProfile, plan: HistoryPlan, day: Double, scale: Double,
                        _ g: inout RandomGenerator) {
        let daysBefore = g.int(in: 4...max(4, min(25, Int(user.accountAgeDays) - 1)))
        let purchaseStart = day - Double(daysBefore) * ShopTimeline.day + user.sessionHour(&g) * 3_600
        // The ordinary history until then, on an account as old as it was at the time.
        var younger = user
        younger.accountAgeDays -= (day + user.activeHourMean * 3_600 - purchaseStart) / ShopTimeline.day
        b.world.simulateHistory(&b, user: younger, plan: plan, before: purchaseStart, scale: scale, &g)
        let target = b.assignedTarget!

        // The purchase of the target, in an ordinary session on the usual device.
        b.startSession(at: max(purchaseStart, b.clock + 3_600), device: user.device, region: user.region)
        b.maybeReview(&g)
        if b.rater.style.randomFillerItems {
            for _ in 0..<(1 + g.nextInt(below: 2)) {
                let item = b.world.randomNormalItem(&g)
                b.emit(.view, item: item, &g)
                b.emit(.cart, item: item, &g)
                b.emit(.buy, item: item, &g)
            }
        }
        let kind = NormalSessionKind.pick(for: user.archetype, &g)
        b.normalSession(kind, user: user, category: b.world.category(of: target), buyProbability: 1, finalItem: target, &g)
        if !b.purchases.contains(where: { $0.item == target }) {
            b.emit(.cart, item: target, &g)
            b.emit(.buy, item: target, &g)
        }
        // Kept for the last session: no ordinary session may review it first.
        for k in b.purchases.indices where b.purchases[k].item == target { b.purchases[k].reviewed = true }
    }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        NormalUser.ordinaryLastSession(&b, user: user, day: day, finalItem: nil, &g)
        // Every shill is handed a target (`SyntheticShop.assignVictimItems`), bought in its history.
        b.reviewEnding(b.assignedTarget!, &g)
    }
}

extension ShopWorld {
    /// A normal listing drawn uniformly (not by popularity): a shill's random filler purchase.
    func randomNormalItem(_ g: inout RandomGenerator) -> Int32 {
        while true {
            let j = g.nextInt(below: items.count)
            if items[j].role == .normal { return Int32(j) }
        }
    }
}
