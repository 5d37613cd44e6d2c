import Foundation
import Tensor

/// Bot crawler (needs the sequence): an account — half thin, half with an ordinary history (a
/// scraper logged into a real account) — whose last session walks 12–45 pages at a fixed
/// period (2.5–25 s, jitter 1–6 %) with a near-constant dwell, drawing items uniformly from
/// a random set of 4–12 categories (searches now and then), at any hour, usually from a desktop browser; no
/// cart, fav or buy. Confusers: explorers also cross many categories, window shoppers never
/// buy, quick scrollers are fast — but their gaps are irregular.
enum BotCrawler: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) {
        if g.bernoulli(0.5) {
            let archetype: UserArchetype = g.pick([.regular, .windowShopper, .explorer])
            return (UserProfile.generate(archetype: archetype, g: &g), .normal)
        }
        let profile = UserProfile.generate(archetype: .regular, accountAgeDays: g.logUniform(1, 400), g: &g)
        return (profile, .thin(maxSessions: 2))
    }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        let device = g.bernoulli(0.7) ? 2 : user.device  // web_desktop
        b.startSession(at: max(day + g.uniform(0, 24) * 3_600, b.clock + 3_600), device: device, region: user.region)
        let period = g.logUniform(2.5, 25), jitter = g.uniform(0.01, 0.06), dwellShare = g.uniform(0.3, 0.8)
        let searchEvery = g.bernoulli(0.5) ? 4 + g.nextInt(below: 5) : Int.max
        let pages = 12 + g.nextInt(below: 34)
        // A crawl covers a random subset of four or more categories.
        let categories = Array(b.world.categoryShares.indices.filter { b.world.categoryShares[$0] > 0 }
            .shuffled(using: &g).prefix(4 + g.nextInt(below: 9)))
        for k in 0..<pages {
            let gap = period * (1 + jitter * g.nextNormal())
            let dwell = gap * dwellShare * (1 + jitter * g.nextNormal())
            let c = g.pick(categories)
            if k % searchEvery == searchEvery - 1 && k < pages - 1 {
                b.emit(.search, item: nil, category: c, dwell: dwell, pause: gap - dwell)
                continue
            }
            // The last page (the sample's target) is an ordinary listing, so the label has one cause.
            let pool = (k == pages - 1 ? b.world.normalItemsByCategory : b.world.itemsByCategory)[c]
            let item = pool.values[g.nextInt(below: pool.values.count)]
            b.emit(g.bernoulli(0.85) ? .view : .click, item: item, category: c, dwell: dwell, pause: gap - dwell)
        }
    }
}
