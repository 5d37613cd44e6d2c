import Foundation
import Tensor

/// Brushing (needs profile + attributes + sequence): an account without purchases — half
/// created days ago and never used, a fifth created days ago and warmed up with a browsing
/// session or two, the rest old but dormant for two months or more (bought accounts) — lands straight on a cheap
/// item of a new seller (no search), maybe glances at one other item of that seller, carts
/// and buys within a minute or two, at any hour. Confusers: direct-link newcomers are fresh
/// accounts that also land on an item and buy (a quarter of the time a cheap new-seller item);
/// lapsed users have old accounts without history; first-timers are fresh; everyone buys
/// cheap new-seller items now and then.
enum Brushing: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) {
        let kind = g.weighted([0.5, 0.2, 0.3])  // fresh, fresh and warmed up, dormant
        let dormant = kind == 2
        let age = dormant ? g.logUniform(90, 1_500) : g.uniform(0.02, 5)
        var profile = UserProfile.generate(archetype: dormant ? .lapsed : .windowShopper, accountAgeDays: age, g: &g)
        profile.earlierOrders = dormant ? g.nextInt(below: 2) : 0
        let plan: HistoryPlan = switch kind {
        case 0: .none
        case 1: .thin(maxSessions: 2)
        default: .dormant(maxSessions: 3, quietDays: 60)
        }
        return (profile, plan)
    }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        b.startSession(at: max(day + g.uniform(0, 24) * 3_600, b.clock + 3_600), device: user.device, region: user.region)
        let item = b.world.cheapNewSellerItems.sample(&g)
        let seller = b.world.items[Int(item)].seller
        func quick(_ kind: EventKind, _ item: Int32, median: Double) {
            b.emit(kind, item: item, category: b.world.category(of: item), dwell: g.logNormal(median: median, sigma: 0.5),
                   pause: g.logNormal(median: 3, sigma: 0.6))
        }
        quick(.view, item, median: 9)
        if g.bernoulli(0.25), let other = b.world.itemsOfSeller[seller].filter({ $0 != item }).first {
            quick(.view, other, median: 6)
            quick(.view, item, median: 5)
        }
        if g.bernoulli(0.3) { quick(.fav, item, median: 1.5) }
        quick(.cart, item, median: 4)
        quick(.buy, item, median: 20)
    }
}
