import Foundation
import Tensor

/// Account takeover (needs profile × sequence): an established account with an ordinary
/// history whose last session contradicts it in at least two of device (unfamiliar, 90 %),
/// region (another, 65 %) and hours (about 12 h from the usual, 70 %), goes to resaleable
/// categories the user never shops (85 %), and carts and buys resaleable items (60 % priced above the category's typical range) quickly.
/// Confusers: travellers change region, some normal users switch to a new phone, shop at an
/// odd hour, buy a gift in a new category or make a big purchase — each alone.
enum AccountTakeover: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) {
        (UserProfile.generate(archetype: g.pick(UserArchetype.established), g: &g), .normal)
    }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        var newDevice = g.bernoulli(0.9), newRegion = g.bernoulli(0.65), oddHours = g.bernoulli(0.7)
        if [newDevice, newRegion, oddHours].filter({ $0 }).count < 2 {
            newDevice = true
            if g.bernoulli(0.5) { newRegion = true } else { oddHours = true }
        }
        let hour = oddHours ? (user.activeHourMean + 12 + g.uniform(-3, 3) + 24).truncatingRemainder(dividingBy: 24) : user.sessionHour(&g)
        b.startSession(at: max(day + hour * 3_600, b.clock + 3_600),
                       device: newDevice ? user.unfamiliarDevice(&g) : user.device,
                       region: newRegion ? user.otherRegion(&g) : user.region)
        let resaleable = ShopVocabulary.resaleableCategories.filter { b.world.categoryShares[$0] > 0 }
        let untouched = resaleable.filter { !user.preferredCategories.contains($0) }
        let category = g.bernoulli(0.85) && !untouched.isEmpty ? g.pick(untouched) : g.pick(resaleable)
        b.avoidAnomalousItems = true
        if g.bernoulli(0.4) { b.emit(.search, item: nil, category: category, &g) }
        for _ in 0..<g.nextInt(below: 4) {
            b.emit(.view, item: b.pickItem(category: category, &g), category: category,
                   dwell: g.logNormal(median: 10, sigma: 0.6), pause: g.logNormal(median: 3, sigma: 0.7))
        }
        func valuable(_ c: Int) -> Int32 {
            g.bernoulli(0.6) ? b.world.highValueItemsByCategory[c].sample(&g) : b.pickItem(category: c, &g)
        }
        var loot = [valuable(category)]
        if g.bernoulli(0.3) { loot.insert(valuable(g.pick(resaleable)), at: 0) }
        for item in loot {
            b.emit(.view, item: item, category: b.world.category(of: item), dwell: g.logNormal(median: 12, sigma: 0.6),
                   pause: g.logNormal(median: 3, sigma: 0.6))
            b.emit(.cart, item: item, &g)
            if g.bernoulli(0.85) { b.emit(.buy, item: item, &g) }
        }
    }
}
