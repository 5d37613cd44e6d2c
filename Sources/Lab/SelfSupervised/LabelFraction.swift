import Tensor

/// The labelled part of a semi-supervised run's training split (`training.label_fraction`).
public enum LabelFraction {
    /// `fraction` of `samples`, drawn within each label class (stratified, as scikit-learn's
    /// `train_test_split(stratify=)`), at least one per class present, shuffled by `seed`;
    /// returned in ascending sample order.
    ///
    /// With `types` (`training.label_strata` anomaly_type, the default), the draw is stratified by
    /// the full label: the anomalies' share is the same count, spread over their anomaly types in
    /// proportion to each type's size (largest remainders; a tie goes to the type first by name),
    /// so no type's presence in the labelled fraction is left to chance; a type too small for one
    /// labelled sample may get none. The normal samples drawn, and every draw where the anomalies
    /// have one type, are the same as without `types`.
    public static func sample(_ samples: [Int], labels: [Float], types: [String]? = nil, fraction: Double, seed: UInt64) -> [Int] {
        guard fraction < 1 else { return samples }
        var g = RandomGenerator(seed: seed ^ 0x1ABE_1FAC)
        var chosen: [Int] = []
        for cls in Set(samples.map { labels[$0] }).sorted() {
            let members = samples.filter { labels[$0] == cls }
            let count = max(1, Int((fraction * Double(members.count)).rounded()))
            let strata: [[Int]] = if let types, cls == 1 {
                Dictionary(grouping: members) { types[$0] }.sorted { $0.key < $1.key }.map(\.value)
            } else {
                [members]
            }
            for (stratum, share) in zip(strata, apportion(count, sizes: strata.map(\.count))) {
                var shuffled = stratum
                shuffled.shuffle(using: &g)
                chosen += shuffled.prefix(share)
            }
        }
        return chosen.sorted()
    }

    /// The validation samples whose labels a run with `fraction` of the training labels reads:
    /// the same rule, a draw of its own.
    public static func validation(_ samples: [Int], labels: [Float], types: [String]? = nil, fraction: Double, seed: UInt64) -> [Int] {
        sample(samples, labels: labels, types: types, fraction: fraction, seed: seed ^ 0x0FA1_1DA7E)
    }

    /// `total` split over strata of `sizes` in proportion (Hamilton's largest remainders; ties
    /// to the earlier stratum).
    static func apportion(_ total: Int, sizes: [Int]) -> [Int] {
        let whole = sizes.reduce(0, +)
        guard whole > 0 else { return sizes.map { _ in 0 } }
        let exact = sizes.map { Double(total) * Double($0) / Double(whole) }
        var shares = exact.map { Int($0.rounded(.down)) }
        let byRemainder = exact.indices.sorted { a, b in
            let (ra, rb) = (exact[a] - Double(shares[a]), exact[b] - Double(shares[b]))
            return ra > rb || (ra == rb && a < b)
        }
        for k in byRemainder.prefix(total - shares.reduce(0, +)) { shares[k] += 1 }
        return shares
    }
}
