import Foundation
import Tensor
import Datasets

/// The label-free components' surprises for every sample, and the rule that combines them.
///
/// Each component gives one or more raw surprise columns (`consistency`: one per head that knows
/// its target; `next_event`: the window's mean and max event surprise; `reconstruction`: the
/// autoencoder's error; `extremes`: the mean of the sample's three largest feature tails;
/// `alignment`: the image–attributes pair's surprise). Every column is
/// standardised on the training samples into a −log empirical tail probability t = −log p
/// (`TailStandardizer`; two-sided for the next-event mean, a typicality test), and the anomaly
/// score combines the columns' p-values by `training.combination` (`CombinationRule`). A
/// component's contribution to a sample's score is the sum of its columns' shares, so
/// contributions add up to the score. Training samples' raw surprises are cross-fitted (from
/// models that never saw them), so the training distribution the columns are standardised on —
/// and the label-free threshold taken from it — is what an unseen sample would show.
public struct SelfSupervisedScores: Sendable {
    public struct Column: Sendable {
        public var component: String
        public var name: String
        /// Per sample; nil where the component could not judge it (no events, no head input).
        public var raw: [Float?]
        public var standardizer: TailStandardizer
    }
    public var columns: [Column]
    /// How the standardised columns become one score.
    public var rule: CombinationRule = .fisherMean

    /// `training.combination`: how the columns' p-values p_j = e^(−t_j) become one score.
    ///
    /// - `fisherMean` (the default): the mean of the t_j, Fisher's combination scaled by the column
    ///   count — every column "unusual in this respect", none privileged; the scale does not
    ///   depend on how many heads a schema has. (It beat median/IQR z-scores on seed 0's
    ///   validation split, 0.80 ROC-AUC against 0.74.)
    /// - `harmonicMeanP`: −log of the harmonic mean p-value (Wilson 2019), log((1/m) Σ_j e^(t_j)),
    ///   a soft maximum of the columns: valid under dependence between columns, and one strong
    ///   column is not diluted by the others (a fraud pattern that breaks one relation). It was
    ///   chosen a priori as the fix for that dilution, then lost on seed 0's validation split (0.796
    ///   against 0.807 ROC-AUC): with a dozen columns a normal sample's largest surprise is large
    ///   too, and the mean averages that noise away.
    public enum CombinationRule: String, Codable, Sendable, CaseIterable {
        case fisherMean = "fisher_mean", harmonicMeanP = "harmonic_mean_p"
    }

    /// The component names, in the order they first appear among the columns.
    public var components: [String] {
        var seen: [String] = []
        for c in columns where !seen.contains(c.component) { seen.append(c.component) }
        return seen
    }

    /// Standardises each column on `training`'s values.
    public init(columns: [(component: String, name: String, raw: [Float?], twoSided: Bool)], training: [Int]) {
        self.columns = columns.map { c in
            Column(component: c.component, name: c.name, raw: c.raw,
                   standardizer: TailStandardizer(fitting: training.compactMap { c.raw[$0] }, twoSided: c.twoSided))
        }
    }

    /// Column `j`'s standardised surprise for `sample`.
    public func standardized(sample: Int, column j: Int) -> Float { columns[j].standardizer(columns[j].raw[sample]) }

    /// The anomaly score (`rule`), in nats of −log p.
    public func score(sample: Int) -> Double {
        guard !columns.isEmpty else { return 0 }
        let t = columns.indices.map { Double(standardized(sample: sample, column: $0)) }
        return Self.combine(t, rule: rule)
    }

    /// `rule` applied to one sample's standardised columns `t`.
    public static func combine(_ t: [Double], rule: CombinationRule) -> Double {
        guard let top = t.max() else { return 0 }
        switch rule {
        case .fisherMean: return t.reduce(0, +) / Double(t.count)
        // log-mean-exp, shifted by the largest t so no e^t overflows.
        case .harmonicMeanP: return top + log(t.reduce(0.0) { $0 + exp($1 - top) } / Double(t.count))
        }
    }

    /// Each column's share of `score(sample:)`: 1/m of its t under the Fisher mean; under the
    /// harmonic mean p-value the score split in proportion to e^(t_j) (each column's share of the
    /// sum the score is the log of).
    public func columnShares(sample: Int) -> [Double] {
        guard !columns.isEmpty else { return [] }
        let t = columns.indices.map { Double(standardized(sample: sample, column: $0)) }
        let m = Double(t.count)
        switch rule {
        case .fisherMean:
            return t.map { $0 / m }
        case .harmonicMeanP:
            let top = t.max()!
            let weights = t.map { exp($0 - top) }, total = weights.reduce(0, +)
            let score = Self.combine(t, rule: rule)
            return weights.map { score * $0 / total }
        }
    }

    /// Each component's share of `score(sample:)`, in `components` order (they sum to the score).
    public func contributions(sample: Int) -> [Double] {
        let names = components
        var out = [Double](repeating: 0, count: names.count)
        for (j, share) in columnShares(sample: sample).enumerated() { out[names.firstIndex(of: columns[j].component)!] += share }
        return out
    }

    /// The label-free threshold: the (1 − `contamination`) quantile of the training scores (the
    /// lower order statistic, as PyOD's `threshold_` with `contamination`).
    public static func threshold(trainingScores: [Double], contamination: Double) -> Double {
        let sorted = trainingScores.sorted()
        guard !sorted.isEmpty else { return 0 }
        let position = Int((Double(sorted.count - 1) * (1 - contamination)).rounded(.down))
        return sorted[position]
    }

    /// Raw surprises for every one of `sampleCount` samples: each fold of `training` (`folds`
    /// contiguous parts of a seeded shuffle) judged by a model fitted on the other folds, every
    /// other sample by one fitted on all of `training`. `fitAndScore(fitOn, judge)` returns one
    /// value per `judge` sample.
    public static func crossFitted<Value>(training: [Int], sampleCount: Int, folds: Int, seed: UInt64,
                                          _ fitAndScore: (_ fitOn: [Int], _ judge: [Int]) throws -> [Value]) rethrows -> [Value?] {
        var out = [Value?](repeating: nil, count: sampleCount)
        var order = training
        var g = RandomGenerator(seed: seed ^ 0x55F0_1D5)
        order.shuffle(using: &g)
        let k = max(2, min(folds, order.count))
        for f in 0..<k where order.count >= 2 {
            let judged = order.indices.filter { $0 % k == f }.map { order[$0] }
            let fitOn = order.indices.filter { $0 % k != f }.map { order[$0] }.sorted()
            for (i, v) in zip(judged, try fitAndScore(fitOn, judged)) { out[i] = v }
        }
        let isTraining = Set(training)
        let others = (0..<sampleCount).filter { !isTraining.contains($0) }
        if !others.isEmpty {
            for (i, v) in zip(others, try fitAndScore(training.sorted(), others)) { out[i] = v }
        }
        return out
    }
}
