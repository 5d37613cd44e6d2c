import Tensor
import Datasets

/// The label-free components' surprises for every sample, and the rule that combines them.
///
/// Each component gives one or more raw surprise columns (`consistency`: one per head that knows
/// its target; `next_event`: the window's mean and max event surprise; `reconstruction`: the
/// autoencoder's error; `alignment`: the image–attributes pair's surprise). Every column is
/// standardised on the training samples into a −log empirical tail probability
/// (`TailStandardizer`; two-sided for the next-event mean, a typicality test) and the anomaly
/// score is the **mean over columns** — Fisher's combination of the columns' tests, each one
/// "unusual in this respect", none privileged; the mean keeps the score's scale independent of
/// how many heads a schema has. (Median/IQR z-scores were the first rule: on seed 0's validation
/// split the heavy-tailed columns' z-scores drowned the others, 0.74 ROC-AUC against 0.80.) A component's
/// contribution to a sample's score is the sum of its columns' terms, so contributions add up to
/// the score. Training samples' raw surprises are cross-fitted (from models that never saw
/// them), so the training distribution the columns are standardised on — and the label-free
/// threshold taken from it — is what an unseen sample would show.
public struct SelfSupervisedScores: Sendable {
    public struct Column: Sendable {
        public var component: String
        public var name: String
        /// Per sample; nil where the component could not judge it (no events, no head input).
        public var raw: [Float?]
        public var standardizer: TailStandardizer
    }
    public var columns: [Column]

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

    /// The anomaly score: the mean of the standardised columns (in nats of −log p).
    public func score(sample: Int) -> Double {
        guard !columns.isEmpty else { return 0 }
        return columns.indices.reduce(0.0) { $0 + Double(standardized(sample: sample, column: $1)) } / Double(columns.count)
    }

    /// Each component's share of `score(sample:)`, in `components` order (they sum to the score).
    public func contributions(sample: Int) -> [Double] {
        let names = components
        var out = [Double](repeating: 0, count: names.count)
        for (j, c) in columns.enumerated() {
            out[names.firstIndex(of: c.component)!] += Double(standardized(sample: sample, column: j)) / Double(columns.count)
        }
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
