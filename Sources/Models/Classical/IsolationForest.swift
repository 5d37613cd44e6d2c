import Foundation
import Support
import Tensor

/// Isolation forest (Liu, Ting & Zhou 2008, as scikit-learn's `IsolationForest`), unsupervised:
/// each tree is grown on `max_samples` training rows drawn without replacement, splitting at a
/// random feature (among those not constant in the node) at a threshold uniform between the
/// node's min and max, until one row is left or the depth reaches ⌈log2 max_samples⌉. A row's
/// path length is its leaf's depth plus c(leaf size), the average path of an unbuilt subtree;
/// score = 2^(−E[h(x)] / c(max_samples)), in (0, 1], higher = easier to isolate = more anomalous.
///
/// Works on the preprocessed design matrix (standardised numbers, missing indicators, one-hot
/// categories). Each tree draws from its own generator, split in tree order from the run seed,
/// so the forest is the same whatever the thread count; trees are grown (and rows scored) on up to
/// `threads` threads. Labels and validation rows are not used.
public final class IsolationForest: ClassicalModel {
    public struct Options: ClassicalModelOptions, Equatable {
        public var trees: Int
        public var maxSamples: Int
        public var minFrequency: Int

        public init(trees: Int = 100, maxSamples: Int = 256, minFrequency: Int = 1) {
            self.trees = trees; self.maxSamples = maxSamples; self.minFrequency = minFrequency
        }
    }

    static let name = "isolation_forest"

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "Isolation forest (as scikit-learn's IsolationForest), unsupervised, on standardised, imputed and one-hot features; "
            + "score = 2^(−mean path length / c(max_samples)), higher = easier to isolate.",
        fields: [
            ConfigField("trees", .integer(min: 1), default: 100, "Isolation trees in the forest."),
            ConfigField("max_samples", .integer(min: 2), default: 256, "Training rows drawn for each tree (all when fewer)."),
            FeaturePreprocessing.minFrequencyField,
        ],
        usesLabels: false,
        options: Options.self,
        build: { o, seed, threads in IsolationForest(options: o, seed: seed, threads: threads) })

    public let options: Options
    let seed: UInt64
    let threads: Int
    private var preprocessing: FeaturePreprocessing?
    /// The trees; a leaf's value is its depth plus c(leaf size).
    private(set) var forest = FlatForest()
    private var sampleSize = 0

    public init(options: Options, seed: UInt64, threads: Int = 1) {
        self.options = options; self.seed = seed; self.threads = max(1, threads)
    }

    /// c(n): the average path length of an unsuccessful search in a binary search tree of n rows
    /// (scikit-learn's `_average_path_length`).
    static func averagePathLength(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n - 1)
        return 2 * (log(m) + 0.5772156649015329) - 2 * m / Double(n)
    }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        guard train.rows > 0 else { throw ClassicalModelError(model: Self.name, message: "there are no training rows") }
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        let design = preprocessing.transform(train), n = train.rows, d = preprocessing.width
        let size = min(options.maxSamples, n)
        let maxDepth = Int((log2(Double(size))).rounded(.up))
        forest = design.withUnsafeBufferPointer { x in
            FlatForest(trees: options.trees, seed: seed, threads: threads) { _ in
                TreeBuilder(design: x, rows: n, columns: d, sampleSize: size, maxDepth: maxDepth)
            }
        }
        self.preprocessing = preprocessing
        sampleSize = size
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let preprocessing else { preconditionFailure("\(Self.name) scored before it was fitted") }
        let design = preprocessing.transform(x), n = x.rows, d = preprocessing.width
        let normaliser = Self.averagePathLength(sampleSize) * Double(forest.roots.count)
        return forest.scores(design, rows: n, columns: d, threads: threads) { Float(pow(2, -$0 / max(normaliser, .leastNormalMagnitude))) }
    }

    public var summary: String {
        guard preprocessing != nil else { return "\(Self.name): not fitted" }
        return "\(Self.name): \(forest.roots.count) trees on \(sampleSize) rows each, \(forest.nodes.feature.count) nodes, \(preprocessing!.width) features"
    }
}

/// Grows isolation trees over the design matrix, reusing its buffers from tree to tree.
struct TreeBuilder: TreeGrowing {
    let design: UnsafeBufferPointer<Float>
    let rows: Int, columns: Int, sampleSize: Int, maxDepth: Int
    var order: [Int], candidates: [Int]

    init(design: UnsafeBufferPointer<Float>, rows: Int, columns: Int, sampleSize: Int, maxDepth: Int) {
        self.design = design; self.rows = rows; self.columns = columns; self.sampleSize = sampleSize; self.maxDepth = maxDepth
        order = Array(0..<rows)
        candidates = Array(0..<columns)
    }

    mutating func grow(_ g: inout RandomGenerator) -> FlatTree {
        restart()
        // The sample: a partial Fisher–Yates shuffle of the row indices.
        for i in 0..<sampleSize { order.swapAt(i, i + g.nextInt(below: rows - i)) }
        var tree = FlatTree()
        // Depth-first with an explicit stack of (node, start, end, depth); children are laid out
        // as a pair, left then right.
        tree.append()
        var stack = [(node: 0, start: 0, end: sampleSize, depth: 0)]
        while let (node, start, end, depth) = stack.popLast() {
            let count = end - start
            var remaining = columns
            guard count > 1, depth < maxDepth, let (feature, low, high) = drawVaryingFeature(start, end, remaining: &remaining, &g) else {
                tree.leaf[node] = Float(Double(depth) + IsolationForest.averagePathLength(count))
                continue
            }
            let threshold = Self.uniformThreshold(low, high, &g)
            let split = partition(start, end, feature: feature, threshold: threshold)
            let left = tree.split(node, feature: feature, threshold: threshold)
            stack.append((left + 1, split, end, depth + 1))
            stack.append((left, start, split, depth + 1))
        }
        return tree
    }
}
