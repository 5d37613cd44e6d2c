import Foundation
import Tensor

/// Price manipulation (needs attributes): an ordinary user in an ordinary last session that
/// ends on a listing (one per sample while there are enough) whose price was moved 4–6.5 category standard deviations (of log price)
/// up (60 %) or down (40 %). Raw price alone does not reveal it: categories differ by two
/// orders of magnitude, and the shift goes both ways; the price relative to its category does.
enum PriceManipulation: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) { NormalUser.account(&g) }

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        let item = b.assignedTarget ?? b.world.manipulatedItems.sample(&g)
        NormalUser.ordinaryLastSession(&b, user: user, day: day, finalItem: item, &g)
    }
}
