import Foundation
import Tensor

/// Counterfeit listing (needs attributes × image): an ordinary user in an ordinary last
/// session that ends on a counterfeit listing (preferring the user's categories): its picture
/// shows another category's shape (60 %) or another brand's palette (40 %), and 70 % are priced
/// at 20–45 % of the brand's typical price. Confusers: clearance items of reputable sellers are
/// as cheap; budget brands are cheap; the behaviour is normal.
enum CounterfeitListing: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) { NormalUser.account(&g) }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        let item = victimItem(b.world.counterfeitItems, world: b.world, user: user, &g)
        NormalUser.ordinaryLastSession(&b, user: user, day: day, finalItem: item, &g)
    }

    /// A listing from `pool`, three times likelier in the user's preferred categories.
    static func victimItem(_ pool: WeightedSampler, world: ShopWorld, user: UserProfile, _ g: inout RandomGenerator) -> Int32 {
        var best = pool.sample(&g)
        for _ in 0..<2 where !user.preferredCategories.contains(world.category(of: best)) { best = pool.sample(&g) }
        return best
    }
}
