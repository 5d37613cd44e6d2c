import Foundation

/// The kinds of anomaly the synthetic shop plants, each needing a different set of modalities.
public enum AnomalyType: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Sequence: bursts of rapid repeated clicks on one item or one seller's items.
    case clickFarming = "click_farming"
    /// Sequence: near-constant gaps over every category, never a cart or a buy.
    case botCrawler = "bot_crawler"
    /// Profile + attributes + sequence: a history-less account lands on a cheap item of a new seller and buys.
    case brushing
    /// Profile × sequence: a session that contradicts the user's own device, region, hours and tastes.
    case accountTakeover = "account_takeover"
    /// Attributes × image: the picture shows another category's shape or another brand's palette.
    case counterfeitListing = "counterfeit_listing"
    /// Attributes: a price far outside its category's distribution.
    case priceManipulation = "price_manipulation"
    /// Sequence × population: a shill account rates a target item at an extreme (5 on a poor
    /// item, sometimes 1 on a good one) among filler ratings; odd only against other users' ratings.
    /// Listed last, so that the other types keep their places in `allCases` (the order roles are
    /// handed out in, and of per-type tables).
    case ratingManipulation = "rating_manipulation"

    public var description: String { rawValue }

    /// Parses a comma-separated list (`click_farming,brushing`); `all` means every type.
    public static func parseList(_ text: String) throws(ShopConfigError) -> [AnomalyType] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names == ["all"] { return allCases }
        var types: [AnomalyType] = []
        for name in names {
            guard let type = AnomalyType(rawValue: name) else { throw .unknownAnomalyType(name) }
            if !types.contains(type) { types.append(type) }
        }
        return types
    }
}

/// Named sizes of the synthetic shop.
public enum ShopPreset: String, CaseIterable, Sendable, Codable {
    /// A few hundred samples, for tests (well under a second with images).
    case tiny
    /// About 5,000 samples: the default dataset.
    case small
    /// About 50,000 samples.
    case medium
    /// About 16 million events (15,870,035 for seed 0), for data-pipeline benchmarks (images shared among items).
    case large
}

public enum ShopConfigError: Error, CustomStringConvertible, Equatable {
    case unknownAnomalyType(String)
    case invalid(String)

    public var description: String {
        switch self {
        case let .unknownAnomalyType(name):
            "unknown anomaly type \"\(name)\"; valid types: \(AnomalyType.allCases.map(\.rawValue).joined(separator: ", ")) (or all)"
        case let .invalid(message): message
        }
    }
}

/// Everything that determines a generated shop. Two runs with equal configs write identical bytes.
public struct ShopConfig: Sendable, Equatable {
    public var preset: ShopPreset
    public var seed: UInt64
    /// One sample per user.
    public var userCount: Int
    public var itemCount: Int
    public var sellerCount: Int
    /// Fraction of samples that are anomalous, split evenly over `anomalyTypes`.
    public var anomalyRate: Double
    public var anomalyTypes: [AnomalyType]
    /// Side of the square product images, in pixels.
    public var imageSize: Int
    /// Variants rendered per (shape, brand) pair when images are shared among items;
    /// nil renders one image per item.
    public var sharedImageVariants: Int?
    /// Scales the number of history sessions per user; 1 in every preset (the large one included).
    public var historyScale: Double

    public init(preset: ShopPreset = .small, seed: UInt64 = 0) {
        self.preset = preset
        self.seed = seed
        anomalyRate = 0.1
        anomalyTypes = AnomalyType.allCases
        imageSize = 32
        sharedImageVariants = nil
        historyScale = 1
        switch preset {
        case .tiny: userCount = 400; itemCount = 300; sellerCount = 60
        case .small: userCount = 5_000; itemCount = 3_000; sellerCount = 400
        case .medium: userCount = 50_000; itemCount = 20_000; sellerCount = 2_000
        case .large:
            userCount = 250_000; itemCount = 100_000; sellerCount = 5_000
            sharedImageVariants = 3
        }
    }

    /// Samples per anomaly type: the anomalous count split evenly, the remainder to the first types.
    public var anomalyCounts: [(type: AnomalyType, count: Int)] {
        guard !anomalyTypes.isEmpty else { return [] }
        let total = Int((anomalyRate * Double(userCount)).rounded())
        let base = total / anomalyTypes.count, extra = total % anomalyTypes.count
        return anomalyTypes.enumerated().map { ($0.element, base + ($0.offset < extra ? 1 : 0)) }
    }

    public func validate() throws(ShopConfigError) {
        guard userCount >= 1 else { throw .invalid("the shop needs at least one user, got \(userCount)") }
        guard itemCount >= 40 else { throw .invalid("the shop needs at least 40 items (two per category plus planted anomalies), got \(itemCount)") }
        guard sellerCount >= 12 else { throw .invalid("the shop needs at least 12 sellers, got \(sellerCount)") }
        guard anomalyRate >= 0 && anomalyRate <= 0.5 else {
            throw .invalid("anomaly rate must be in 0...0.5, got \(anomalyRate)")
        }
        if anomalyRate > 0 && anomalyTypes.isEmpty {
            throw .invalid("an anomaly rate of \(anomalyRate) needs at least one anomaly type (or set the rate to 0)")
        }
        guard (8...512).contains(imageSize) else { throw .invalid("image size must be in 8...512 pixels, got \(imageSize)") }
        if let v = sharedImageVariants, v < 1 { throw .invalid("shared image variants must be at least 1, got \(v)") }
        guard historyScale > 0 && historyScale <= 20 else { throw .invalid("history scale must be in (0, 20], got \(historyScale)") }
    }
}
