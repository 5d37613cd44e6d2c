import Foundation
import Tensor

/// The shapes a normal session takes.
enum NormalSessionKind: CaseIterable {
    /// search → click/view results → maybe fav → maybe cart → buy.
    case browse
    /// A few items viewed again and again at a normal pace.
    case comparison
    /// Many distinct items, each glanced at for a few seconds.
    case quickScroll
    /// Searches across several unrelated categories.
    case explore
    /// Several items carted, some in quantity (the same item carted repeatedly), all bought.
    case bulk
    /// Lands on an item from an outside link, no search, often buys at once.
    case directLink

    static func pick(for archetype: UserArchetype, _ g: inout RandomGenerator) -> NormalSessionKind {
        let options: [(NormalSessionKind, Double)] = switch archetype {
        case .regular, .nightOwl, .traveller, .lapsed:
            [(.browse, 0.68), (.comparison, 0.1), (.quickScroll, 0.1), (.explore, 0.07), (.directLink, 0.05)]
        case .windowShopper: [(.browse, 0.7), (.comparison, 0.15), (.explore, 0.15)]
        case .bulkBuyer: [(.bulk, 0.5), (.browse, 0.5)]
        case .firstTimer: [(.browse, 0.9), (.comparison, 0.1)]
        case .directLinkNewcomer: [(.directLink, 0.75), (.browse, 0.25)]
        case .explorer: [(.explore, 0.6), (.browse, 0.4)]
        case .quickScroller: [(.quickScroll, 0.6), (.browse, 0.4)]
        case .comparisonShopper: [(.comparison, 0.6), (.browse, 0.4)]
        }
        return options[g.weighted(options.map(\.1))].0
    }
}

extension SessionBuilder {
    /// A normal session of `kind` in `category`. With `finalItem`, the session's last item event
    /// is on that item (a victim's encounter with a bad listing).
    mutating func normalSession(_ kind: NormalSessionKind, user: UserProfile, category: Int, buyProbability: Double,
                                finalItem: Int32? = nil, _ g: inout RandomGenerator) {
        switch kind {
        case .browse: browse(category: category, buyProbability: buyProbability, finalItem: finalItem, &g)
        case .comparison: comparison(category: category, buyProbability: buyProbability, finalItem: finalItem, &g)
        case .quickScroll: quickScroll(category: category, user: user, finalItem: finalItem, &g)
        case .explore: explore(user: user, finalItem: finalItem, &g)
        case .bulk: bulk(category: category, finalItem: finalItem, &g)
        case .directLink: directLink(category: category, buyProbability: buyProbability, finalItem: finalItem, &g)
        }
    }

    /// Ends a session on `item`: viewed (after a click from a result list half the time), then
    /// carted and bought with `buyProbability`.
    mutating func finish(on item: Int32, buyProbability: Double, _ g: inout RandomGenerator) {
        if g.bernoulli(0.5) { emit(.click, item: item, &g) }
        emit(.view, item: item, &g)
        if g.bernoulli(0.08) { emit(.fav, item: item, &g) }
        if g.bernoulli(buyProbability) {
            emit(.cart, item: item, &g)
            if g.bernoulli(0.8) { emit(.buy, item: item, &g) }
        }
    }

    mutating func browse(category: Int, buyProbability: Double, finalItem: Int32?, _ g: inout RandomGenerator) {
        var c = category
        emit(.search, item: nil, category: c, &g)
        var viewed: [Int32] = []
        for _ in 0..<(1 + g.geometric(mean: 3)) {
            if g.bernoulli(0.12) {
                c = finalItem.map { world.category(of: $0) } ?? g.weighted(world.categoryShares)
                emit(.search, item: nil, category: c, &g)
            }
            let item = !viewed.isEmpty && g.bernoulli(0.1) ? g.pick(viewed) : pickItem(category: c, &g)
            if g.bernoulli(0.55) { emit(.click, item: item, &g) }
            emit(.view, item: item, &g)
            if g.bernoulli(0.08) { emit(.fav, item: item, &g) }
            viewed.append(item)
        }
        if let finalItem {
            finish(on: finalItem, buyProbability: buyProbability, &g)
        } else if g.bernoulli(buyProbability) {
            let item = g.bernoulli(0.6) ? viewed[viewed.count - 1] : g.pick(viewed)
            emit(.cart, item: item, &g)
            if g.bernoulli(0.8) { emit(.buy, item: item, &g) } else { emit(.view, item: item, &g) }
        }
    }

    mutating func comparison(category: Int, buyProbability: Double, finalItem: Int32?, _ g: inout RandomGenerator) {
        emit(.search, item: nil, category: category, &g)
        var candidates = (0..<(2 + g.nextInt(below: 3))).map { _ in pickItem(category: category, &g) }
        if let finalItem { candidates.append(finalItem) }
        for _ in 0..<(4 + g.nextInt(below: 9)) {
            let item = g.pick(candidates)
            emit(.view, item: item, category: world.category(of: item), dwell: g.logNormal(median: 25, sigma: 0.7),
                 pause: g.logNormal(median: 6, sigma: 0.9))
        }
        finish(on: finalItem ?? g.pick(candidates), buyProbability: buyProbability, &g)
    }

    mutating func quickScroll(category: Int, user: UserProfile, finalItem: Int32?, _ g: inout RandomGenerator) {
        var c = category
        emit(.search, item: nil, category: c, &g)
        for _ in 0..<(6 + g.nextInt(below: 18)) {
            if g.bernoulli(0.1) { c = user.sessionCategory(&g, world: world) }
            emit(g.bernoulli(0.2) ? .click : .view, item: pickItem(category: c, &g), category: c,
                 dwell: g.logNormal(median: 2, sigma: 0.5), pause: g.logNormal(median: 1, sigma: 0.5))
        }
        if let finalItem { finish(on: finalItem, buyProbability: 0.2, &g) }
    }

    mutating func explore(user: UserProfile, finalItem: Int32?, _ g: inout RandomGenerator) {
        for _ in 0..<(3 + g.nextInt(below: 6)) {
            let c = g.weighted(world.categoryShares)
            emit(.search, item: nil, category: c, &g)
            for _ in 0..<(1 + g.nextInt(below: 3)) {
                let item = pickItem(category: c, &g)
                if g.bernoulli(0.3) { emit(.click, item: item, &g) }
                emit(.view, item: item, &g)
            }
        }
        if let finalItem { finish(on: finalItem, buyProbability: 0.15, &g) }
    }

    mutating func bulk(category: Int, finalItem: Int32?, _ g: inout RandomGenerator) {
        emit(.search, item: nil, category: category, &g)
        var carted: [Int32] = []
        for _ in 0..<(2 + g.nextInt(below: 4)) {
            let item = pickItem(category: category, &g)
            emit(.view, item: item, &g)
            for _ in 0..<(g.bernoulli(0.4) ? 2 + g.nextInt(below: 4) : 1) {
                emit(.cart, item: item, category: category, dwell: g.logNormal(median: 4, sigma: 0.5),
                     pause: g.logNormal(median: 3, sigma: 0.6))
            }
            carted.append(item)
        }
        for item in carted { emit(.buy, item: item, &g) }
        if let finalItem { finish(on: finalItem, buyProbability: 0.7, &g) }
    }

    /// From a social-media link straight to an item page; fresh accounts buy this way too.
    mutating func directLink(category: Int, buyProbability: Double, finalItem: Int32?, _ g: inout RandomGenerator) {
        let item = finalItem ?? (g.bernoulli(0.25) ? world.cheapNewSellerItems.sample(&g) : pickItem(category: category, &g))
        emit(.view, item: item, &g)
        if g.bernoulli(0.5) {
            let other = pickItem(category: world.category(of: item), &g)
            emit(.view, item: other, &g)
            emit(.view, item: item, &g)
        }
        if g.bernoulli(buyProbability) {
            emit(.cart, item: item, &g)
            if g.bernoulli(0.85) { emit(.buy, item: item, &g) }
        }
    }
}
