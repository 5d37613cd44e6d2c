import Dispatch
import Support
import Tensor

/// One tree, flat: node i splits on `feature[i]` at `threshold[i]` (x ≤ threshold goes to
/// `left[i]`, else `left[i] + 1`), or is a leaf (`feature[i] < 0`) worth `leaf[i]` (an isolation
/// tree's depth, an extra tree's share of anomalies).
struct FlatTree: Sendable {
    var feature: [Int32] = [], threshold: [Float] = [], left: [Int32] = [], leaf: [Float] = []

    /// A new node, a leaf worth 0 until split or valued.
    mutating func append() { feature.append(-1); threshold.append(0); left.append(-1); leaf.append(0) }

    /// Splits leaf `node` on `feature` at `threshold`; returns its left child (the right one follows it).
    mutating func split(_ node: Int, feature f: Int, threshold t: Float) -> Int {
        let child = feature.count
        append(); append()
        feature[node] = Int32(f); threshold[node] = t; left[node] = Int32(child)
        return child
    }
}

/// What grows one tree from its own generator over a `rows × columns` design matrix, reusing its
/// buffers from tree to tree (`TreeBuilder`, `ExtraTreeBuilder`): `order` holds the row indices,
/// a node's rows a contiguous range of it; `candidates` the column indices, drawn from.
protocol TreeGrowing: SendableMetatype {
    var design: UnsafeBufferPointer<Float> { get }
    var rows: Int { get }
    var columns: Int { get }
    var order: [Int] { get set }
    var candidates: [Int] { get set }
    mutating func grow(_ g: inout RandomGenerator) -> FlatTree
}

extension TreeGrowing {
    /// Every tree starts from the same state, so it depends on its own generator only (not on
    /// which trees the same thread grew before it).
    mutating func restart() {
        for i in 0..<rows { order[i] = i }
        for j in 0..<columns { candidates[j] = j }
    }

    /// The next feature not constant over the rows `order[start..<end]`, with its min and max
    /// there: drawn without replacement from `candidates[0..<remaining]` (scikit-learn's random
    /// splitter; a constant one is used up too); nil when none remains.
    mutating func drawVaryingFeature(_ start: Int, _ end: Int, remaining: inout Int, _ g: inout RandomGenerator) -> (feature: Int, low: Float, high: Float)? {
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

    /// A threshold uniform in [low, high): rounding up to high would leave the right side empty.
    static func uniformThreshold(_ low: Float, _ high: Float, _ g: inout RandomGenerator) -> Float {
        let threshold = Float(Double(low) + g.nextDouble() * (Double(high) - Double(low)))
        return threshold < high ? threshold : low
    }

    /// Reorders `order[start..<end]` so the rows at most `threshold` in `feature` come first;
    /// returns where the others start.
    mutating func partition(_ start: Int, _ end: Int, feature: Int, threshold: Float) -> Int {
        var split = start
        for i in start..<end where design[order[i] * columns + feature] <= threshold {
            order.swapAt(i, split)
            split += 1
        }
        return split
    }
}

/// A forest's trees in one set of arrays (children indices absolute), tree t from `roots[t]`:
/// scoring walks plain buffers instead of retaining each tree's arrays per row.
struct FlatForest: Sendable {
    private(set) var nodes = FlatTree()
    private(set) var roots: [Int] = []

    init() {}

    /// Grows `trees` trees on up to `threads` threads, tree t from the t-th generator split from
    /// `seed` — so the forest is the same whatever the thread count; `builder(worker)` makes each
    /// thread's builder.
    init<Builder: TreeGrowing>(trees: Int, seed: UInt64, threads: Int, builder: (Int) -> Builder) {
        var master = RandomGenerator(seed: seed)
        var generators = (0..<trees).map { _ in master.split() }
        var forest = [FlatTree](repeating: FlatTree(), count: trees)
        let workers = max(1, min(threads, trees))
        let builders = (0..<workers).map(builder)
        forest.withUnsafeMutableBufferPointer { out in
            generators.withUnsafeMutableBufferPointer { g in
                let shared = UncheckedSendable((out, g, builders))
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let (out, g, builders) = shared.value
                    var builder = builders[w]
                    for t in stride(from: w, to: out.count, by: workers) { out[t] = builder.grow(&g[t]) }
                }
            }
        }
        for tree in forest {
            let base = nodes.feature.count
            roots.append(base)
            nodes.feature += tree.feature; nodes.threshold += tree.threshold; nodes.leaf += tree.leaf
            nodes.left += tree.left.map { $0 < 0 ? -1 : $0 + Int32(base) }
        }
    }

    /// The leaf each tree sends `row` (a design row) to, summed over the trees in their order:
    /// the same sum whatever the split of rows over threads.
    func leafSum(_ row: UnsafePointer<Float>) -> Double {
        nodes.feature.withUnsafeBufferPointer { feature in
            nodes.threshold.withUnsafeBufferPointer { threshold in
                nodes.left.withUnsafeBufferPointer { left in
                    nodes.leaf.withUnsafeBufferPointer { leaf in
                        var total = 0.0
                        for root in roots {
                            var node = root
                            while feature[node] >= 0 {
                                node = Int(left[node]) + (row[Int(feature[node])] <= threshold[node] ? 0 : 1)
                            }
                            total += Double(leaf[node])
                        }
                        return total
                    }
                }
            }
        }
    }

    /// `leafSum` of every row of a `rows × columns` design, transformed by `finish`, on up to
    /// `threads` threads (chunks of at least 256 rows).
    func scores(_ design: [Float], rows n: Int, columns d: Int, threads: Int, finish: @Sendable (Double) -> Float) -> [Float] {
        var scores = [Float](repeating: 0, count: n)
        let workers = max(1, min(threads, n / 256))
        let chunk = (n + workers - 1) / workers
        design.withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer { out in
                let shared = UncheckedSendable((v, out, self))
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let (v, out, forest) = shared.value
                    for r in (w * chunk)..<min(n, (w + 1) * chunk) { out[r] = finish(forest.leafSum(v.baseAddress! + r * d)) }
                }
            }
        }
        return scores
    }
}
