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

    public let options: Options
    let seed: UInt64
    let threads: Int
    private(set) var preprocessing: FeaturePreprocessing?
    /// The trees; a leaf's value is its rows' weighted share of anomalies.
    private(set) var forest = FlatForest()

    public init(options: Options, seed: UInt64, threads: Int = 1) {
        self.options = options; self.seed = seed; self.threads = max(1, threads)
    }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try checkSupervised(Self.name, train, labels)
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        let design = preprocessing.transform(train), n = train.rows, d = preprocessing.width
        let drawn = max(1, min(d, options.maxFeatures > 0 ? Int((Double(d) * options.maxFeatures).rounded(.down)) : Int(Double(d).squareRoot())))
        let weights = options.classWeight.rowWeights(labels)
        let minLeaf = options.minSamplesLeaf
        forest = design.withUnsafeBufferPointer { x in
            FlatForest(trees: options.trees, seed: seed, threads: threads) { _ in
                ExtraTreeBuilder(design: x, rows: n, columns: d, labels: labels, weights: weights, drawn: drawn, minLeaf: minLeaf)
            }
        }
        self.preprocessing = preprocessing
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let preprocessing else { preconditionFailure("\(Self.name) scored before it was fitted") }
        let design = preprocessing.transform(x), n = x.rows, d = preprocessing.width
        let trees = Double(max(forest.roots.count, 1))
        return forest.scores(design, rows: n, columns: d, threads: threads) { Float($0 / trees) }
    }

    public var summary: String {
        guard let preprocessing else { return "\(Self.name): not fitted" }
        return "\(Self.name): \(forest.roots.count) trees, \(forest.nodes.feature.count) nodes, \(preprocessing.width) features"
    }
}

/// Grows extremely randomised trees over the design matrix, reusing its buffers from tree to tree.
struct ExtraTreeBuilder: TreeGrowing {
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

    mutating func grow(_ g: inout RandomGenerator) -> FlatTree {
        restart()
        var tree = FlatTree()
        tree.append()
        var stack = [(node: 0, start: 0, end: rows)]
        while let (node, start, end) = stack.popLast() {
            var w = 0.0, p = 0.0
            for i in start..<end { w += weight[order[i]]; p += positive[order[i]] }
            tree.leaf[node] = w > 0 ? Float(p / w) : 0
            guard end - start >= 2 * minLeaf, end - start >= 2, p > 0, p < w, let (feature, threshold) = bestDraw(start, end, w, p, &g) else { continue }
            let split = partition(start, end, feature: feature, threshold: threshold)
            let left = tree.split(node, feature: feature, threshold: threshold)
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
        while found < drawn, let (feature, low, high) = drawVaryingFeature(start, end, remaining: &remaining, &g) {
            found += 1
            let threshold = Self.uniformThreshold(low, high, &g)
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
