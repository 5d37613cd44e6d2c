import Dispatch
import Foundation
import Support
import Tensor

/// Extremely randomised trees (Geurts, Ernst & Wehenkel 2006; scikit-learn's `ExtraTreesClassifier`
/// with `bootstrap=False`): every tree is grown on all training rows; at each node up to
/// `max_features` features not constant in the node are drawn without replacement, each gets one
/// threshold uniform between its min and max there, and the draw whose split lowers the weighted
/// Gini impurity most is kept (a side with fewer than `min_samples_leaf` rows rejects it). A node
/// is a leaf when it is pure, holds fewer than 2 · `min_samples_leaf` rows, or no draw splits it;
/// its value is its rows' weighted share of anomalies. score = the mean of the trees' leaf values.
///
/// Random thresholds make each tree a coarse, different look at the data, and the average a
/// smooth score even on a few hundred labelled rows: a single feature far out in its tail can
/// carry a sample (an OR of one-feature rules), which a linear model on the same features cannot
/// express. Works on the preprocessed design matrix (as `IsolationForest`); each tree draws from
/// its own generator split in tree order from the seed, so the forest is the same at any thread
/// count.
public final class ExtraTrees: ClassicalModel {
    public struct Options: ClassicalModelOptions, Equatable {
        public var trees: Int
        public var minSamplesLeaf: Int
        /// Share of the design's columns drawn at a node; 0: √columns (scikit-learn's "sqrt").
        public var maxFeatures: Double
        public var classWeight: ClassWeight
        public var minFrequency: Int

        public init(trees: Int = 300, minSamplesLeaf: Int = 1, maxFeatures: Double = 0, classWeight: ClassWeight = .balanced,
                    minFrequency: Int = 1) {
            self.trees = trees; self.minSamplesLeaf = minSamplesLeaf; self.maxFeatures = maxFeatures
            self.classWeight = classWeight; self.minFrequency = minFrequency
        }
    }

    public static let name = "extra_trees"

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "Extremely randomised trees (as scikit-learn's ExtraTreesClassifier, no bootstrap) on imputed and one-hot features: "
            + "each split the best of `max_features` random features at one random threshold each, by weighted Gini; "
            + "score = the trees' mean leaf share of anomalies.",
        fields: [
            ConfigField("trees", .integer(min: 1), default: 300, "Trees in the forest."),
            ConfigField("min_samples_leaf", .integer(min: 1), default: 1, "Rows a leaf holds at least."),
            ConfigField("max_features", .number(min: 0, max: 1), default: 0,
                        "Share of the columns drawn at each node (at least one); 0: the square root of the column count, as scikit-learn's \"sqrt\"."),
            ClassWeight.field,
            FeaturePreprocessing.minFrequencyField,
        ],
        scoresAreProbabilities: true,
        options: Options.self,
        build: { o, seed, threads in ExtraTrees(options: o, seed: seed, threads: threads) })

    /// Every tree's nodes in one set of arrays: node i splits on `feature[i]` at `threshold[i]`
    /// (x ≤ threshold goes to `left[i]`, else `left[i] + 1`) or is a leaf (`feature[i] < 0`)
    /// scoring `value[i]`; tree t starts at `roots[t]`.
    struct Nodes: Sendable {
        var feature: [Int32] = [], threshold: [Float] = [], left: [Int32] = [], value: [Float] = []

        mutating func append() { feature.append(-1); threshold.append(0); left.append(-1); value.append(0) }
    }

    public let options: Options
    let seed: UInt64
    let threads: Int
    private(set) var preprocessing: FeaturePreprocessing?
    private(set) var nodes = Nodes()
    private(set) var roots: [Int] = []

    public init(options: Options, seed: UInt64, threads: Int = 1) {
        self.options = options; self.seed = seed; self.threads = max(1, threads)
    }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try checkSupervised(Self.name, train, labels)
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        let design = preprocessing.transform(train), n = train.rows, d = preprocessing.width
        let drawn = max(1, min(d, options.maxFeatures > 0 ? Int((Double(d) * options.maxFeatures).rounded(.down)) : Int(Double(d).squareRoot())))
        let weights = options.classWeight.rowWeights(labels)
        var master = RandomGenerator(seed: seed)
        var generators = (0..<options.trees).map { _ in master.split() }
        var forest = [Nodes](repeating: Nodes(), count: options.trees)
        let workers = min(threads, options.trees), minLeaf = options.minSamplesLeaf
        design.withUnsafeBufferPointer { x in
            forest.withUnsafeMutableBufferPointer { out in
                generators.withUnsafeMutableBufferPointer { g in
                    let shared = UncheckedSendable((x, out, g))
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        let (x, out, g) = shared.value
                        var builder = ExtraTreeBuilder(design: x, rows: n, columns: d, labels: labels, weights: weights, drawn: drawn,
                                                       minLeaf: minLeaf)
                        for t in stride(from: w, to: out.count, by: workers) { out[t] = builder.grow(&g[t]) }
                    }
                }
            }
        }
        var nodes = Nodes(), roots: [Int] = []
        for tree in forest {
            let base = nodes.feature.count
            roots.append(base)
            nodes.feature += tree.feature; nodes.threshold += tree.threshold; nodes.value += tree.value
            nodes.left += tree.left.map { $0 < 0 ? -1 : $0 + Int32(base) }
        }
        self.nodes = nodes
        self.roots = roots
        self.preprocessing = preprocessing
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let preprocessing else { preconditionFailure("\(Self.name) scored before it was fitted") }
        let design = preprocessing.transform(x), n = x.rows, d = preprocessing.width
        var scores = [Float](repeating: 0, count: n)
        let trees = Double(max(roots.count, 1))
        design.withUnsafeBufferPointer { v in
            nodes.feature.withUnsafeBufferPointer { feature in
                nodes.threshold.withUnsafeBufferPointer { threshold in
                    nodes.left.withUnsafeBufferPointer { left in
                        nodes.value.withUnsafeBufferPointer { value in
                            for r in 0..<n {
                                // Trees summed in their order.
                                var total = 0.0
                                for root in roots {
                                    var node = root
                                    while feature[node] >= 0 {
                                        node = Int(left[node]) + (v[r * d + Int(feature[node])] <= threshold[node] ? 0 : 1)
                                    }
                                    total += Double(value[node])
                                }
                                scores[r] = Float(total / trees)
                            }
                        }
                    }
                }
            }
        }
        return scores
    }

    public var summary: String {
        guard let preprocessing else { return "\(Self.name): not fitted" }
        return "\(Self.name): \(roots.count) trees, \(nodes.feature.count) nodes, \(preprocessing.width) features"
    }
}

/// Grows extremely randomised trees over the design matrix, reusing its buffers from tree to tree.
struct ExtraTreeBuilder {
    let design: UnsafeBufferPointer<Float>
    let rows: Int, columns: Int, drawn: Int, minLeaf: Int
    let positive: [Double], weight: [Double]
    var order: [Int], candidates: [Int]

    init(design: UnsafeBufferPointer<Float>, rows: Int, columns: Int, labels: [Float], weights: [Double], drawn: Int, minLeaf: Int) {
        self.design = design; self.rows = rows; self.columns = columns; self.drawn = drawn; self.minLeaf = minLeaf
        weight = weights
        positive = zip(labels, weights).map { $0 > 0.5 ? $1 : 0 }
        order = Array(0..<rows)
        candidates = Array(0..<columns)
    }

    /// A side's weighted Gini impurity W · (1 − q² − (1 − q)²) = 2 · P · (W − P) / W, with W its
    /// rows' weight, P its anomalies' weight and q = P / W.
    static func impurity(weight w: Double, positive p: Double) -> Double { w > 0 ? 2 * p * (w - p) / w : 0 }

    mutating func grow(_ g: inout RandomGenerator) -> ExtraTrees.Nodes {
        // Every tree starts from the same state, so it depends on its own generator only (not on
        // which trees the same thread grew before it).
        for i in 0..<rows { order[i] = i }
        for j in 0..<columns { candidates[j] = j }
        var tree = ExtraTrees.Nodes()
        tree.append()
        var stack = [(node: 0, start: 0, end: rows)]
        while let (node, start, end) = stack.popLast() {
            var w = 0.0, p = 0.0
            for i in start..<end { w += weight[order[i]]; p += positive[order[i]] }
            tree.value[node] = w > 0 ? Float(p / w) : 0
            guard end - start >= 2 * minLeaf, end - start >= 2, p > 0, p < w, let (feature, threshold) = bestDraw(start, end, w, p, &g) else { continue }
            // Partition the node's rows: ≤ threshold first.
            var split = start
            for i in start..<end where design[order[i] * columns + feature] <= threshold {
                order.swapAt(i, split)
                split += 1
            }
            let left = tree.feature.count
            tree.append(); tree.append()
            tree.feature[node] = Int32(feature); tree.threshold[node] = threshold; tree.left[node] = Int32(left)
            stack.append((left + 1, split, end))
            stack.append((left, start, split))
        }
        return tree
    }

    /// Up to `drawn` features not constant over the node's rows (drawn without replacement, as
    /// scikit-learn's random splitter: constant ones do not count), one uniform threshold each; the
    /// draw with the lowest weighted impurity of its two sides whose sides both hold `minLeaf`
    /// rows, nil when none does.
    mutating func bestDraw(_ start: Int, _ end: Int, _ w: Double, _ p: Double, _ g: inout RandomGenerator) -> (Int, Float)? {
        var remaining = columns, found = 0
        var best: (feature: Int, threshold: Float, impurity: Double)?
        while remaining > 0 && found < drawn {
            let pick = g.nextInt(below: remaining)
            let feature = candidates[pick]
            candidates.swapAt(pick, remaining - 1)
            remaining -= 1
            var low = Float.infinity, high = -Float.infinity
            for i in start..<end {
                let value = design[order[i] * columns + feature]
                low = min(low, value); high = max(high, value)
            }
            guard low < high else { continue }
            found += 1
            var threshold = Float(Double(low) + g.nextDouble() * (Double(high) - Double(low)))
            if !(threshold < high) { threshold = low }  // rounding up to max would leave the right side empty
            var leftCount = 0, leftWeight = 0.0, leftPositive = 0.0
            for i in start..<end where design[order[i] * columns + feature] <= threshold {
                leftCount += 1; leftWeight += weight[order[i]]; leftPositive += positive[order[i]]
            }
            guard leftCount >= minLeaf, end - start - leftCount >= minLeaf else { continue }
            let impurity = Self.impurity(weight: leftWeight, positive: leftPositive) + Self.impurity(weight: w - leftWeight, positive: p - leftPositive)
            if best == nil || impurity < best!.impurity { best = (feature, threshold, impurity) }
        }
        return best.map { ($0.feature, $0.threshold) }
    }
}
