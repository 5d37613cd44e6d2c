import Dispatch
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

    /// One tree, flat: node i splits on `feature[i]` at `threshold[i]` (x ≤ threshold goes to
    /// `left[i]`, else `left[i] + 1`), or is a leaf (`feature[i] < 0`) whose `depth[i]` already
    /// includes c(leaf size).
    struct Tree: Sendable {
        var feature: [Int32] = [], threshold: [Float] = [], left: [Int32] = [], depth: [Float] = []
    }

    public let options: Options
    let seed: UInt64
    let threads: Int
    private var preprocessing: FeaturePreprocessing?
    /// Every tree's nodes in one set of arrays (children indices absolute), tree t from `roots[t]`:
    /// scoring walks plain buffers instead of retaining each tree's arrays per row.
    private(set) var nodes = Tree()
    private(set) var roots: [Int] = []
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
        var master = RandomGenerator(seed: seed)
        var generators = (0..<options.trees).map { _ in master.split() }
        var forest = [Tree](repeating: Tree(), count: options.trees)
        let workers = min(threads, options.trees)
        design.withUnsafeBufferPointer { x in
            forest.withUnsafeMutableBufferPointer { out in
                generators.withUnsafeMutableBufferPointer { g in
                    let shared = UncheckedSendable((x, out, g))
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        let (x, out, g) = shared.value
                        var builder = TreeBuilder(design: x, rows: n, columns: d, sampleSize: size, maxDepth: maxDepth)
                        for t in stride(from: w, to: out.count, by: workers) { out[t] = builder.grow(&g[t]) }
                    }
                }
            }
        }
        var nodes = Tree(), roots: [Int] = []
        for tree in forest {
            let base = nodes.feature.count
            roots.append(base)
            nodes.feature += tree.feature; nodes.threshold += tree.threshold; nodes.depth += tree.depth
            nodes.left += tree.left.map { $0 < 0 ? -1 : $0 + Int32(base) }
        }
        self.nodes = nodes
        self.roots = roots
        self.preprocessing = preprocessing
        sampleSize = size
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let preprocessing else { preconditionFailure("\(Self.name) scored before it was fitted") }
        let design = preprocessing.transform(x), n = x.rows, d = preprocessing.width
        let normaliser = Self.averagePathLength(sampleSize) * Double(roots.count)
        var scores = [Float](repeating: 0, count: n)
        let workers = max(1, min(threads, n / 256))
        let chunk = (n + workers - 1) / workers
        design.withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer { out in
                nodes.feature.withUnsafeBufferPointer { feature in
                    nodes.threshold.withUnsafeBufferPointer { threshold in
                        nodes.left.withUnsafeBufferPointer { left in
                            nodes.depth.withUnsafeBufferPointer { depth in
                                roots.withUnsafeBufferPointer { roots in
                                    let shared = UncheckedSendable((v, out, feature, threshold, left, depth, roots))
                                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                                        let (v, out, feature, threshold, left, depth, roots) = shared.value
                                        for r in (w * chunk)..<min(n, (w + 1) * chunk) {
                                            // Trees summed in their order: the same sum whatever the split over threads.
                                            var total = 0.0
                                            for root in roots {
                                                var node = root
                                                while feature[node] >= 0 {
                                                    let goesLeft = v[r * d + Int(feature[node])] <= threshold[node]
                                                    node = Int(left[node]) + (goesLeft ? 0 : 1)
                                                }
                                                total += Double(depth[node])
                                            }
                                            out[r] = Float(pow(2, -total / max(normaliser, .leastNormalMagnitude)))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return scores
    }

    public var summary: String {
        guard preprocessing != nil else { return "\(Self.name): not fitted" }
        return "\(Self.name): \(roots.count) trees on \(sampleSize) rows each, \(nodes.feature.count) nodes, \(preprocessing!.width) features"
    }
}

/// Grows isolation trees over the design matrix, reusing its buffers from tree to tree.
struct TreeBuilder {
    let design: UnsafeBufferPointer<Float>
    let rows: Int, columns: Int, sampleSize: Int, maxDepth: Int
    var order: [Int], candidates: [Int]

    init(design: UnsafeBufferPointer<Float>, rows: Int, columns: Int, sampleSize: Int, maxDepth: Int) {
        self.design = design; self.rows = rows; self.columns = columns; self.sampleSize = sampleSize; self.maxDepth = maxDepth
        order = Array(0..<rows)
        candidates = Array(0..<columns)
    }

    mutating func grow(_ g: inout RandomGenerator) -> IsolationForest.Tree {
        // Every tree starts from the same state, so it depends on its own generator only (not on
        // which trees the same thread grew before it).
        for i in 0..<rows { order[i] = i }
        for j in 0..<columns { candidates[j] = j }
        // The sample: a partial Fisher–Yates shuffle of the row indices.
        for i in 0..<sampleSize { order.swapAt(i, i + g.nextInt(below: rows - i)) }
        var tree = IsolationForest.Tree()
        // Depth-first with an explicit stack of (node, start, end, depth); children are laid out
        // as a pair, left then right.
        tree.append()
        var stack = [(node: 0, start: 0, end: sampleSize, depth: 0)]
        while let (node, start, end, depth) = stack.popLast() {
            let count = end - start
            guard count > 1, depth < maxDepth, let (feature, low, high) = pickFeature(start, end, &g) else {
                tree.depth[node] = Float(Double(depth) + IsolationForest.averagePathLength(count))
                continue
            }
            var threshold = Float(Double(low) + g.nextDouble() * (Double(high) - Double(low)))
            if !(threshold < high) { threshold = low }  // rounding up to max would leave the right side empty
            // Partition the node's rows: ≤ threshold first.
            var split = start
            for i in start..<end where design[order[i] * columns + feature] <= threshold {
                order.swapAt(i, split)
                split += 1
            }
            let left = tree.feature.count
            tree.append(); tree.append()
            tree.feature[node] = Int32(feature); tree.threshold[node] = threshold; tree.left[node] = Int32(left)
            stack.append((left + 1, split, end, depth + 1))
            stack.append((left, start, split, depth + 1))
        }
        return tree
    }

    /// A random feature not constant over the node's rows, with its min and max there: features
    /// are drawn without replacement until one varies (scikit-learn's random splitter), nil when
    /// none does.
    mutating func pickFeature(_ start: Int, _ end: Int, _ g: inout RandomGenerator) -> (Int, Float, Float)? {
        var remaining = columns
        while remaining > 0 {
            let pick = g.nextInt(below: remaining)
            let feature = candidates[pick]
            candidates.swapAt(pick, remaining - 1)
            remaining -= 1
            var low = Float.infinity, high = -Float.infinity
            for i in start..<end {
                let value = design[order[i] * columns + feature]
                low = min(low, value); high = max(high, value)
            }
            if low < high { return (feature, low, high) }
        }
        return nil
    }
}

extension IsolationForest.Tree {
    mutating func append() {
        feature.append(-1); threshold.append(0); left.append(-1); depth.append(0)
    }
}
