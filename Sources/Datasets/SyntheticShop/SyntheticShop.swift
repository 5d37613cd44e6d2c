import Foundation
import Tensor

/// FusionLab's built-in dataset: a simulated shop with users, items, product pictures and
/// behaviour, where a configured share of samples (one per user: the history up to the end of
/// the user's last session) carries a planted anomaly.
///
/// Everything is deterministic for a config: each brand, seller, item, picture and user draws
/// from its own random stream keyed by (seed, purpose, index).
public struct SyntheticShop: Sendable {
    public let config: ShopConfig
    let world: ShopWorld
    /// The anomaly planted in each user's last session (nil: normal).
    let roles: [AnomalyType?]
    /// The listing each counterfeit or price-manipulation victim ends on, or each shill rates.
    let victimItems: [Int32?]

    public init(config: ShopConfig) throws(ShopConfigError) {
        try config.validate()
        self.config = config
        world = ShopWorld(config: config)
        roles = SyntheticShop.assignRoles(config)
        victimItems = SyntheticShop.assignVictimItems(roles: roles, world: world, seed: config.seed)
    }

    /// Victims of each listing type, in user order, take the listings in their victim order,
    /// so that a listing is the target of a second sample only when all have one.
    static func assignVictimItems(roles: [AnomalyType?], world: ShopWorld, seed: UInt64) -> [Int32?] {
        var items = [Int32?](repeating: nil, count: roles.count)
        for (type, pool) in [(AnomalyType.counterfeitListing, world.counterfeitItems), (.priceManipulation, world.manipulatedItems)] {
            let order = world.victimOrder(pool, seed: seed)
            var next = 0
            for user in roles.indices where roles[user] == type {
                items[user] = order[next % order.count]
                next += 1
            }
        }
        // Shills take pushable or nukable listings the same way, by their attack style.
        let styles = roles.indices.map { roles[$0] == .ratingManipulation ? Rater(seed: seed, user: $0).style : nil }
        for nuke in [false, true] {
            let order = world.victimOrder(nuke ? world.nukableItems : world.pushableItems, seed: seed, popularityPower: ItemQuality.targetPopularityPower)
            var next = 0
            for user in roles.indices where styles[user]?.nuke == nuke {
                items[user] = order[next % order.count]
                next += 1
            }
        }
        return items
    }

    /// Exactly `config.anomalyCounts` anomalous users: those with the smallest per-user key, then
    /// typed in blocks by a second key. Both keys come from each user's own stream, so growing
    /// the shop moves few users between roles.
    static func assignRoles(_ config: ShopConfig) -> [AnomalyType?] {
        let n = config.userCount
        var keys = [(first: Double, second: Double)](repeating: (0, 0), count: n)
        for i in 0..<n {
            var g = RandomGenerator.stream(seed: config.seed, .role, i)
            keys[i] = (g.nextDouble(), g.nextDouble())
        }
        let counts = config.anomalyCounts
        let total = counts.reduce(0) { $0 + $1.count }
        let anomalous = (0..<n).sorted { (keys[$0].first, $0) < (keys[$1].first, $1) }.prefix(total)
            .sorted { (keys[$0].second, $0) < (keys[$1].second, $1) }
        var roles = [AnomalyType?](repeating: nil, count: n)
        var position = 0
        for (type, count) in counts {
            for user in anomalous[position..<(position + count)] { roles[user] = type }
            position += count
        }
        return roles
    }

    /// User `index` simulated: profile, events (oldest first) and the sample.
    func user(_ index: Int) -> SimulatedUser {
        world.simulateUser(index: index, role: roles[index], victimItem: victimItems[index], config: config)
    }

    public var sampleCount: Int { config.userCount }

    /// The anomaly type of each sample (nil: normal).
    public var anomalyTypes: [AnomalyType?] { roles }
}
