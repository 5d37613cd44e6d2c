import Foundation
import Tensor

/// The simulated period: six months of history ending on 2024-06-01 00:00 UTC; every user's
/// last session (the sample) starts in the final three weeks.
enum ShopTimeline {
    static let windowEnd: Double = 1_717_200_000
    static let historyDays = 180.0
    static let lastSessionDays = 21
    static let day = 86_400.0
}

/// How much history an account has before its last session.
enum HistoryPlan {
    /// Sessions at the profile's own rate over its account age (at most six months).
    case normal
    /// At most this many sessions (throw-away or freshly made accounts).
    case thin(maxSessions: Int)
    case none
    /// At most this many sessions, all at least `quietDays` before the last session.
    case dormant(maxSessions: Int, quietDays: Double)
}

/// How one kind of user is made: its account (profile and history) and its last session,
/// which the sample's label describes.
protocol UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan)
    /// Starts the last session on `day` (unix seconds of midnight) and fills it. The session's
    /// last item event is the sample's target item.
    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator)
    /// Fills the sessions before the last one, which starts on `day` (unix seconds of midnight).
    static func history(_ b: inout SessionBuilder, user: UserProfile, plan: HistoryPlan, day: Double, scale: Double,
                        _ g: inout RandomGenerator)
}

extension UserScript {
    /// The account's ordinary history, up to the last session.
    static func history(_ b: inout SessionBuilder, user: UserProfile, plan: HistoryPlan, day: Double, scale: Double,
                        _ g: inout RandomGenerator) {
        b.world.simulateHistory(&b, user: user, plan: plan, before: day + user.activeHourMean * 3_600, scale: scale, &g)
    }
}

/// What one user contributes to the shop.
struct SimulatedUser: Sendable {
    var profile: UserProfile
    /// Orders before the last session (earlier orders plus purchases in the history).
    var pastOrders: Int
    var events: [ShopEvent]
    var target: Int32
    var cutoffMillis: Int64
    var role: AnomalyType?
}

extension ShopWorld {
    /// User `index` with its role. Profile, history and last session each have their own
    /// random stream keyed by the user's index.
    func simulateUser(index: Int, role: AnomalyType?, victimItem: Int32?, config: ShopConfig) -> SimulatedUser {
        let script: any UserScript.Type = switch role {
        case nil: NormalUser.self
        case .clickFarming?: ClickFarming.self
        case .botCrawler?: BotCrawler.self
        case .brushing?: Brushing.self
        case .accountTakeover?: AccountTakeover.self
        case .counterfeitListing?: CounterfeitListing.self
        case .priceManipulation?: PriceManipulation.self
        case .ratingManipulation?: RatingManipulation.self
        }
        var profileStream = RandomGenerator.stream(seed: config.seed, .user, index)
        var historyStream = RandomGenerator.stream(seed: config.seed, .history, index)
        var lastStream = RandomGenerator.stream(seed: config.seed, .lastSession, index)
        let (profile, plan) = script.account(&profileStream)

        let lastDay = (ShopTimeline.windowEnd / ShopTimeline.day).rounded(.down) * ShopTimeline.day
            - Double(1 + lastStream.nextInt(below: ShopTimeline.lastSessionDays)) * ShopTimeline.day
        var rater = Rater(seed: config.seed, user: index)
        if role == .ratingManipulation { rater.target = victimItem }
        var b = SessionBuilder(world: self, rater: rater)
        b.assignedTarget = victimItem
        script.history(&b, user: profile, plan: plan, day: lastDay, scale: config.historyScale, &historyStream)
        let purchasesBefore = b.purchases.count
        script.lastSession(&b, user: profile, day: lastDay, &lastStream)
        let target = b.events.last { $0.session == b.session && $0.item >= 0 }?.item
        precondition(target != nil, "a last session must touch an item")
        return SimulatedUser(profile: profile, pastOrders: profile.earlierOrders + purchasesBefore, events: b.events,
                             target: target!, cutoffMillis: b.events.last!.timeMillis, role: role)
    }

    /// Normal sessions (the user's usual devices, region, hours and tastes) from account
    /// creation or six months back, whichever is later, until shortly before `end`.
    func simulateHistory(_ b: inout SessionBuilder, user: UserProfile, plan: HistoryPlan, before end: Double,
                         scale: Double, _ g: inout RandomGenerator) {
        let span = min(user.accountAgeDays, ShopTimeline.historyDays) * ShopTimeline.day
        let created = end - user.accountAgeDays * ShopTimeline.day
        var end = end
        let count: Int = switch plan {
        case .none: 0
        case let .thin(maxSessions): g.nextInt(below: maxSessions + 1)
        case let .dormant(maxSessions, _): g.nextInt(below: maxSessions + 1)
        case .normal: min(80, g.poisson(user.sessionRate * span / (30 * ShopTimeline.day) * scale))
        }
        if case let .dormant(_, quietDays) = plan { end -= quietDays * ShopTimeline.day }
        guard count > 0, span > 2 * 3_600 else { return }
        let days = (0..<count).map { _ in end - g.uniform(3_600, span) }.sorted()
        for approximate in days {
            let midnight = (approximate / ShopTimeline.day).rounded(.down) * ShopTimeline.day
            let hour = g.bernoulli(0.04) ? g.uniform(0, 24) : user.sessionHour(&g)
            let start = max(midnight + hour * 3_600, b.clock + g.logNormal(median: 7_200, sigma: 1))
            guard start > created, start < end - 3_600 else { continue }
            let device = g.bernoulli(0.1) ? user.secondaryDevice : user.device
            let travelling = g.bernoulli(user.archetype == .traveller ? 0.08 : 0.01)
            b.startSession(at: start, device: device, region: travelling ? user.otherRegion(&g) : user.region)
            b.maybeReview(&g)
            let kind = NormalSessionKind.pick(for: user.archetype, &g)
            b.normalSession(kind, user: user, category: user.sessionCategory(&g, world: self),
                            buyProbability: user.archetype.historyBuyPropensity, &g)
            if b.clock >= end - 3_600 { break }
        }
    }
}

/// Ordinary users of every archetype, with the occasional harmless deviation in the last
/// session (a new phone, a trip, a sleepless night, a gift in an unusual category, a big
/// purchase) so that none of these alone marks an anomaly.
enum NormalUser: UserScript {
    static func account(_ g: inout RandomGenerator) -> (UserProfile, HistoryPlan) {
        let archetype = UserArchetype.allCases[g.weighted(UserArchetype.shares)]
        let plan: HistoryPlan = switch archetype {
        case .firstTimer: .thin(maxSessions: 2)
        case .directLinkNewcomer: .thin(maxSessions: 1)
        case .lapsed: .none
        default: .normal
        }
        return (UserProfile.generate(archetype: archetype, g: &g), plan)
    }

    /// Share of normal last sessions that end by reviewing an earlier purchase (when there is
    /// one), so that ending on a review is not what marks a rating manipulation.
    static let reviewEndingShare = 0.9

    static func lastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, _ g: inout RandomGenerator) {
        ordinaryLastSession(&b, user: user, day: day, finalItem: nil, &g)
        if g.bernoulli(reviewEndingShare), let item = b.reviewablePurchase(&g) { b.reviewEnding(item, &g) }
    }

    /// A normal last session; with `finalItem` it ends on that item, in its category.
    static func ordinaryLastSession(_ b: inout SessionBuilder, user: UserProfile, day: Double, finalItem: Int32?,
                                    _ g: inout RandomGenerator) {
        let hour = g.bernoulli(0.05) ? g.uniform(0, 24) : user.sessionHour(&g)
        let deviceDraw = g.nextDouble()
        let device = deviceDraw < 0.04 ? user.unfamiliarDevice(&g) : deviceDraw < 0.14 ? user.secondaryDevice : user.device
        let travelling = user.archetype == .traveller || g.bernoulli(0.03)
        b.startSession(at: max(day + hour * 3_600, b.clock + 3_600), device: device,
                       region: travelling ? user.otherRegion(&g) : user.region)
        b.avoidAnomalousItems = true
        b.maybeReview(&g)
        var category = user.sessionCategory(&g, world: b.world)
        var final = finalItem
        if let finalItem {
            category = b.world.category(of: finalItem)
        } else if g.bernoulli(0.08) {
            // A gift: a category the user does not usually shop, often an expensive one.
            let unusual = b.world.categoryShares.indices.filter { !user.preferredCategories.contains($0) && b.world.categoryShares[$0] > 0 }
            if !unusual.isEmpty {
                let resaleable = unusual.filter { ShopVocabulary.categories[$0].resaleable }
                category = g.bernoulli(0.5) && !resaleable.isEmpty ? g.pick(resaleable) : g.pick(unusual)
            }
        }
        if final == nil && g.bernoulli(0.15) { final = b.world.highValueItemsByCategory[category].sample(&g) }
        var kind = NormalSessionKind.pick(for: user.archetype, &g)
        if kind == .directLink && final == nil && user.archetype != .directLinkNewcomer { kind = .browse }
        let buy = user.archetype == .firstTimer ? 0.6 : user.archetype.buyPropensity
        b.normalSession(kind, user: user, category: category, buyProbability: buy, finalItem: final, &g)
    }
}
