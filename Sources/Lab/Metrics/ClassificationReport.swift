/// Counts of a thresholded binary classifier (positive when score ≥ threshold).
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public var truePositives = 0, falsePositives = 0, trueNegatives = 0, falseNegatives = 0

    public init(scores: [Double], labels: [Bool], threshold: Double) {
        for (s, y) in zip(scores, labels) {
            switch (s >= threshold, y) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, false): trueNegatives += 1
            case (false, true): falseNegatives += 1
            }
        }
    }

    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// nil when nothing is predicted positive (scikit-learn's zero_division case), likewise below.
    public var precision: Double? { ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double? { ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double? {
        let d = 2 * truePositives + falsePositives + falseNegatives
        return d > 0 ? 2 * Double(truePositives) / Double(d) : nil
    }
    public var accuracy: Double? { ratio(truePositives + trueNegatives, total) }
    public var falsePositiveRate: Double? { ratio(falsePositives, falsePositives + trueNegatives) }

    private func ratio(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
}

/// Fraction of positives among the `k` highest scores (ties broken by sample order).
public func precision(atK k: Int, scores: [Double], labels: [Bool]) -> Double? {
    guard k > 0, !scores.isEmpty else { return nil }
    let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    let top = order.prefix(k)
    return Double(top.filter { labels[$0] }.count) / Double(top.count)
}

/// Recall within each anomaly type: the share of that type's samples predicted positive.
public func recallByType(scores: [Double], types: [String], threshold: Double) -> [String: Double] {
    var hits: [String: Int] = [:], totals: [String: Int] = [:]
    for (s, t) in zip(scores, types) where !t.isEmpty {
        totals[t, default: 0] += 1
        if s >= threshold { hits[t, default: 0] += 1 }
    }
    return totals.reduce(into: [:]) { out, kv in out[kv.key] = Double(hits[kv.key] ?? 0) / Double(kv.value) }
}
