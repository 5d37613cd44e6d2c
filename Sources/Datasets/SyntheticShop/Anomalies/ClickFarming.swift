import Foundation
import Tensor

/// Click farming (needs the sequence): an account — half of them ordinary users recruited by a
/// farm, half thin throw-away accounts — whose last session, after an optional innocent start,
/// fires one or two bursts of 4–14 rapid repeated clicks (1–5 s apart, dwell a quarter to two thirds of the gap) on
/// one item or rotating over two to four items of one seller. The farmed item is an ordinary,
/// popularity-drawn listing. Confusers: comparison shoppers repeat items at a normal pace, quick
/// scrollers are fast but never repeat, bulk buyers cart one item several times.
enum ClickFarming: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) {
        if g.bernoulli(0.55) {
            let archetype: UserArchetype = g.pick([.regular, .regular, .windowShopper, .quickScroller, .comparisonShopper])
            return (UserProfile.generate(archetype: archetype, g: &g), .normal)
        }
        let profile = UserProfile.generate(archetype: .regular, accountAgeDays: g.logUniform(2, 200), g: &g)
        return (profile, .thin(maxSessions: 3))
    }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        let hour = g.bernoulli(0.5) ? user.sessionHour(&g) : g.uniform(0, 24)
        b.startSession(at: max(day + hour * 3_600, b.clock + 3_600), device: user.device, region: user.region)
        let category = user.sessionCategory(&g, world: b.world)
        if g.bernoulli(0.5) {
            b.emit(.search, item: nil, category: category, &g)
            for _ in 0..<(1 + g.nextInt(below: 3)) { b.emit(.view, item: b.pickItem(category: category, &g), &g) }
        }
        // The farmed listing: one item, or a few items of its seller.
        let anchor = b.world.normalItemsByCategory[g.weighted(b.world.categoryShares)].sample(&g)
        var targets = [anchor]
        if g.bernoulli(0.35) {
            let siblings = b.world.itemsOfSeller[b.world.items[Int(anchor)].seller].filter { $0 != anchor }
            for _ in 0..<min(siblings.count, 1 + g.nextInt(below: 3)) { targets.append(g.pick(siblings)) }
        }
        let bursts = 1 + g.nextInt(below: 2)
        let interval = g.logUniform(1, 5), dwellShare = g.uniform(0.25, 0.65)
        for burst in 0..<bursts {
            let clicks = 4 + g.nextInt(below: 11)
            for k in 0..<clicks {
                let isLast = burst == bursts - 1 && k == clicks - 1
                let item = isLast ? anchor : targets[k % targets.count]
                let kind: EventKind = !isLast && g.bernoulli(0.15) ? (g.bernoulli(0.7) ? .view : .fav) : .click
                let dwell = g.logNormal(median: dwellShare * interval, sigma: 0.4)
                b.emit(kind, item: item, category: b.world.category(of: item), dwell: dwell,
                       pause: max(0.05, g.logNormal(median: interval, sigma: 0.35) - dwell))
            }
            if burst < bursts - 1 { b.clock += g.logNormal(median: 40, sigma: 0.6) }
        }
    }
}
