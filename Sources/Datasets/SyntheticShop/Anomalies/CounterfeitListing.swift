import Foundation
import Tensor

/// Counterfeit listing (needs attributes × image): an ordinary user in an ordinary last
/// session that ends on a counterfeit listing (each listing the target of one sample while
/// there are enough, popular ones first): its picture
/// shows another category's shape (60 %) or another brand's palette (40 %), and 70 % are priced
/// at 20–45 % of the brand's typical price. Confusers: clearance items of reputable sellers are
/// as cheap; budget brands are cheap; the behaviour is normal.
enum CounterfeitListing: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) { NormalUser.account(&g) }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        let item = b.assignedTarget ?? b.world.counterfeitItems.sample(&g)
        NormalUser.ordinaryLastSession(&b, user: user, day: day, finalItem: item, &g)
    }
}
