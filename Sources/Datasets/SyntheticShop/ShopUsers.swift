import Foundation
import Tensor

/// Kinds of normal user. Several exist to be confused with an anomaly by any single feature:
/// bulk buyers repeat items, quick scrollers have tiny gaps, explorers cover many categories,
/// first-timers and direct-link newcomers are fresh accounts that buy at once, travellers
/// change region, night owls shop at night, lapsed users have old accounts and no history.
enum UserArchetype: Int, CaseIterable, Sendable {
    case regular, windowShopper, bulkBuyer, nightOwl, firstTimer, directLinkNewcomer
    case traveller, explorer, quickScroller, comparisonShopper, lapsed

    static let shares: [Double] = [0.29, 0.10, 0.06, 0.07, 0.12, 0.08, 0.05, 0.06, 0.06, 0.07, 0.04]

    /// Archetypes whose accounts have a history to contradict (for takeovers).
    static let established: [UserArchetype] = [.regular, .windowShopper, .bulkBuyer, .nightOwl, .traveller, .explorer, .comparisonShopper]

    var isFresh: Bool { self == .firstTimer || self == .directLinkNewcomer }

    /// Chance that a session ends in a purchase.
    var buyPropensity: Double {
        switch self {
        case .regular, .nightOwl, .traveller, .lapsed: 0.3
        case .windowShopper: 0.06
        case .bulkBuyer: 0.6
        case .firstTimer: 0.45
        case .directLinkNewcomer: 0.65
        case .explorer, .quickScroller: 0.15
        case .comparisonShopper: 0.35
        }
    }

    /// Chance that a history session ends in a purchase: higher than in the last session, so
    /// that most users with a history have bought (and so can review) something; a shill
    /// reviewing is then no rarer than a normal user doing so.
    var historyBuyPropensity: Double { min(0.9, 0.1 + 1.5 * buyPropensity) }

    /// Median sessions per 30 days.
    var sessionsPerMonth: Double {
        switch self {
        case .windowShopper, .bulkBuyer: 1.4
        case .explorer, .quickScroller: 1.1
        default: 0.75
        }
    }
}

/// A user's profile (what users.csv shows) plus the hidden traits that drive behaviour.
struct UserProfile: Sendable {
    var archetype: UserArchetype
    var ageBand: Int
    var gender: Int
    var region: Int
    var device: Int
    /// Used in about one session in ten (a laptop next to the phone).
    var secondaryDevice: Int
    var accountAgeDays: Double
    /// Preferred categories, most preferred first, with their weights (summing to 1).
    var preferences: [(category: Int, weight: Double)]
    var activeHourMean: Double
    var activeHourSpread: Double
    /// Orders placed before the simulated window.
    var earlierOrders: Int
    /// Median sessions per 30 days.
    var sessionRate: Double

    var preferredCategories: [Int] { preferences.map(\.category) }

    /// A profile for a user of `archetype`; `accountAgeDays` overrides the archetype's age.
    static func generate(archetype: UserArchetype, accountAgeDays: Double? = nil, g: inout RandomGenerator) -> UserProfile {
        let v = ShopVocabulary.self
        let device = g.weighted(v.deviceShares)
        var secondary = g.weighted(v.deviceShares)
        if secondary == device { secondary = (device + 2) % v.devices.count }
        let age: Double = accountAgeDays ?? {
            switch archetype {
            case .firstTimer: return g.uniform(0.3, 30)
            case .directLinkNewcomer: return g.uniform(0.1, 25)
            case .lapsed: return g.logUniform(200, 3_000)
            default: return g.bernoulli(0.1) ? g.logUniform(30, 120) : g.logUniform(120, 3_500)
            }
        }()
        let hour: Double
        if archetype == .nightOwl {
            hour = g.uniform(0, 4)
        } else {
            let centre = [9.5, 14.5, 20.5][g.weighted([0.25, 0.3, 0.45])]
            hour = (g.normal(mean: centre, std: 1.5) + 24).truncatingRemainder(dividingBy: 24)
        }
        // Two to four preferred categories with uneven weights.
        var categories: [Int] = []
        let wanted = 2 + g.nextInt(below: 3)
        while categories.count < wanted {
            let c = g.weighted(v.categories.map(\.share))
            if !categories.contains(c) { categories.append(c) }
        }
        var weights = categories.map { _ in exp(0.8 * g.nextNormal()) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let preferences = zip(categories, weights).sorted { $0.1 > $1.1 }.map { (category: $0.0, weight: $0.1) }
        let monthsBeforeWindow = max(0, (age - 180) / 30)
        let earlier = archetype.isFresh ? 0 : g.poisson(min(60, monthsBeforeWindow * archetype.sessionsPerMonth * archetype.buyPropensity * 0.5))
        return UserProfile(
            archetype: archetype, ageBand: g.weighted(v.ageBandShares), gender: g.weighted(v.genderShares),
            region: g.weighted(v.regionShares), device: device, secondaryDevice: secondary, accountAgeDays: age,
            preferences: preferences, activeHourMean: hour, activeHourSpread: g.uniform(1.0, 2.2), earlierOrders: earlier,
            sessionRate: g.logNormal(median: archetype.sessionsPerMonth, sigma: 0.5))
    }

    /// A category for a session: mostly from the preferences, sometimes anything.
    func sessionCategory(_ g: inout RandomGenerator, world: ShopWorld) -> Int {
        if g.bernoulli(0.12) { return g.weighted(world.categoryShares) }
        return preferences[g.weighted(preferences.map(\.weight))].category
    }

    /// A session start hour drawn around the user's active hours.
    func sessionHour(_ g: inout RandomGenerator) -> Double {
        (g.normal(mean: activeHourMean, std: activeHourSpread) + 48).truncatingRemainder(dividingBy: 24)
    }

    /// A device different from both usual ones.
    func unfamiliarDevice(_ g: inout RandomGenerator) -> Int {
        let count = ShopVocabulary.devices.count
        var d = g.weighted(ShopVocabulary.deviceShares)
        while d == device || d == secondaryDevice { d = (d + 1) % count }
        return d
    }

    func otherRegion(_ g: inout RandomGenerator) -> Int {
        (region + 1 + g.nextInt(below: ShopVocabulary.regions.count - 1)) % ShopVocabulary.regions.count
    }
}
