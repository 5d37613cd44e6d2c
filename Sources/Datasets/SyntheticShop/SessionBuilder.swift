import Foundation
import Tensor

enum EventKind: UInt8, CaseIterable, Sendable {
    case search, view, click, cart, fav, buy, review

    var name: String { ["search", "view", "click", "cart", "fav", "buy", "review"][Int(rawValue)] }
}

/// One behaviour event, compact (events are the bulk of a large shop).
struct ShopEvent: Sendable {
    /// Unix time in milliseconds (written as seconds with three decimals).
    var timeMillis: Int64
    /// −1 for events without an item (search).
    var item: Int32
    /// Session number within the user.
    var session: Int32
    var dwellTenths: Int32
    var category: Int8
    var kind: EventKind
    var device: UInt8
    var region: UInt8
    /// Stars 1…5 of a review; 0 for every other event.
    var rating: UInt8 = 0
}

/// Typical timings (seconds): how long an event lasts and the pause before the next one.
enum Timing {
    static func dwell(_ kind: EventKind, _ g: inout RandomGenerator) -> Double {
        switch kind {
        case .search: g.logNormal(median: 6, sigma: 0.6)
        case .view: g.logNormal(median: 18, sigma: 1.0)
        case .click: g.logNormal(median: 1.5, sigma: 0.5)
        case .cart: g.logNormal(median: 6, sigma: 0.5)
        case .fav: g.logNormal(median: 2, sigma: 0.5)
        case .buy: g.logNormal(median: 40, sigma: 0.5)
        case .review: g.logNormal(median: 70, sigma: 0.5)
        }
    }

    static func pause(_ kind: EventKind, _ g: inout RandomGenerator) -> Double {
        switch kind {
        case .click: g.logNormal(median: 0.8, sigma: 0.5)
        case .search: g.logNormal(median: 3, sigma: 0.7)
        case .fav: g.logNormal(median: 2, sigma: 0.6)
        case .view: g.logNormal(median: 4, sigma: 0.9)
        default: g.logNormal(median: 5, sigma: 0.7)
        }
    }
}

/// Appends one user's events session by session, keeping the clock, the device and region in
/// use, and what the user bought (for later reviews).
struct SessionBuilder {
    let world: ShopWorld
    var events: [ShopEvent] = []
    var session: Int32 = -1
    var device = 0, region = 0
    /// Seconds (unix) at which the next event happens.
    var clock = 0.0
    /// Draw items only from non-anomalous listings (a normal sample's last session must not end
    /// on a counterfeit or manipulated item).
    var avoidAnomalousItems = false
    /// The listing a victim's last session must end on (counterfeit, manipulated price).
    var assignedTarget: Int32?
    var purchases: [(item: Int32, time: Double, reviewed: Bool)] = []
    /// Rates the user's reviews.
    var rater: Rater

    init(world: ShopWorld, rater: Rater) {
        self.world = world
        self.rater = rater
    }

    mutating func startSession(at time: Double, device: Int, region: Int) {
        session += 1
        clock = time
        self.device = device
        self.region = region
    }

    /// Records an event now, then advances the clock by its dwell plus the following pause.
    mutating func emit(_ kind: EventKind, item: Int32?, category: Int, dwell: Double, pause: Double) {
        events.append(ShopEvent(timeMillis: Int64((clock * 1000).rounded()), item: item ?? -1, session: session,
                                dwellTenths: Int32((dwell * 10).rounded()), category: Int8(category), kind: kind,
                                device: UInt8(device), region: UInt8(region),
                                rating: kind == .review && item != nil ? rater.rate(item!, world: world) : 0))
        if kind == .buy, let item { purchases.append((item, clock, false)) }
        clock += dwell + pause
    }

    /// An event with typical timings.
    mutating func emit(_ kind: EventKind, item: Int32?, category: Int, _ g: inout RandomGenerator) {
        emit(kind, item: item, category: category, dwell: Timing.dwell(kind, &g), pause: Timing.pause(kind, &g))
    }

    mutating func emit(_ kind: EventKind, item: Int32, _ g: inout RandomGenerator) {
        emit(kind, item: item, category: world.category(of: item), &g)
    }

    /// A popular item of `category` (non-anomalous when `avoidAnomalousItems`).
    func pickItem(category: Int, _ g: inout RandomGenerator) -> Int32 {
        (avoidAnomalousItems ? world.normalItemsByCategory : world.itemsByCategory)[category].sample(&g)
    }

    /// Time of the last event, or the clock if there is none.
    var lastEventTime: Double { events.last.map { Double($0.timeMillis) / 1000 } ?? clock }

    /// The item of the last event that has one.
    var lastItem: Int32? { events.last { $0.item >= 0 }?.item }

    /// Often opens a session with a review of something bought at least three days ago (often
    /// enough that popular items collect many ratings, from which their typical rating is learnt).
    mutating func maybeReview(_ g: inout RandomGenerator) {
        guard let k = purchases.firstIndex(where: { !$0.reviewed && $0.time < clock - 3 * 86_400 }), g.bernoulli(0.55),
              rater.reviewsLeft != 0 else { return }
        purchases[k].reviewed = true
        emit(.review, item: purchases[k].item, &g)
    }
}
