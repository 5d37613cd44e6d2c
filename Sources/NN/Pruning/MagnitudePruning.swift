import Tensor

/// Magnitude pruning of the Linear and convolution weights of a module whose parameters live in
/// a `ParameterBuffer` (biases, norms, embeddings and recurrent cells are left alone). A pruned
/// weight stays pruned: `prune(to:)` ranks magnitudes with the pruned ones at zero, so masks only
/// grow, and `maskGradients` before a step and `applyMasks` after it keep those weights exactly 0
/// whatever the optimizer's moments do. The masks are the weights' zeros, so a resumed run
/// (whose weights come back from its checkpoint) continues with the same masks.
public final class MagnitudePruner {
    /// How the magnitude threshold is drawn.
    public enum Scope: String, CaseIterable, Sendable {
        /// One threshold over all the prunable weights: layers with many small weights lose
        /// more (Zhu & Gupta prune per layer; global pruning reaches a given accuracy at higher
        /// sparsity in Blalock et al. 2020's survey, but can empty a small layer).
        case global
        /// Every layer pruned to the same sparsity.
        case layer
    }

    /// A prunable weight: its name and its window in the parameter buffer.
    public struct Target {
        public let name: String
        public let range: Range<Int>
    }

    public let targets: [Target]
    public let scope: Scope
    let parameters: ParameterBuffer
    /// 1 where the weight is kept, 0 where pruned, per target.
    var masks: [[Float]]

    /// The prunable weights of `module` found in `parameters`, masks from their current zeros.
    public init(module: any Module, parameters: ParameterBuffer, scope: Scope) {
        var weights = Set<ObjectIdentifier>()
        visitModules(module) { m in
            switch m {
            case let l as Linear: weights.insert(ObjectIdentifier(l.weight))
            case let c as Conv2d: weights.insert(ObjectIdentifier(c.weight))
            case let c as Conv1d: weights.insert(ObjectIdentifier(c.weight))
            default: break
            }
        }
        targets = parameters.entries.filter { weights.contains(ObjectIdentifier($0.tensor)) }.map { Target(name: $0.name, range: $0.range) }
        self.scope = scope
        self.parameters = parameters
        let values = parameters.values.pointer
        masks = targets.map { t in t.range.map { values[$0] == 0 ? 0 : 1 } }
    }

    /// Weights that can be pruned.
    public var prunableCount: Int { targets.reduce(0) { $0 + $1.range.count } }

    /// Weights currently zero (pruned, or zero by chance) among the prunable ones.
    public var zeroCount: Int {
        let values = parameters.values.pointer
        return targets.reduce(0) { n, t in n + t.range.reduce(0) { $0 + (values[$1] == 0 ? 1 : 0) } }
    }

    /// The share of prunable weights that are zero.
    public var sparsity: Double { prunableCount == 0 ? 0 : Double(zeroCount) / Double(prunableCount) }

    /// Prunes the smallest-magnitude weights until `sparsity` of them (per layer or over all, as
    /// `scope` says) are pruned; ties at the threshold are broken by position, so the count is exact.
    public func prune(to sparsity: Double) {
        precondition((0..<1).contains(sparsity), "pruning sparsity \(sparsity) is not in [0, 1)")
        switch scope {
        case .layer:
            for k in targets.indices { pruneSmallest(Int((sparsity * Double(targets[k].range.count)).rounded()), among: [k]) }
        case .global:
            pruneSmallest(Int((sparsity * Double(prunableCount)).rounded()), among: Array(targets.indices))
        }
        applyMasks()
    }

    /// Zeroes the pruned weights' gradients (before clipping and the step: they take no part).
    public func maskGradients() { multiply(parameters.gradients.pointer) }

    /// Zeroes the pruned weights (after every optimizer step).
    public func applyMasks() { multiply(parameters.values.pointer) }

    func multiply(_ p: UnsafeMutablePointer<Float>) {
        for (t, mask) in zip(targets, masks) {
            mask.withUnsafeBufferPointer { m in
                let base = p + t.range.lowerBound
                for i in 0..<m.count { base[i] *= m[i] }
            }
        }
    }

    /// Marks the `count` smallest |w| among targets `chosen` as pruned (already pruned ones count,
    /// as their magnitude is the smallest: the masks only grow).
    func pruneSmallest(_ count: Int, among chosen: [Int]) {
        guard count > 0 else { return }
        let values = parameters.values.pointer
        // (magnitude, target, index) sorted: pruned weights rank as 0, before any kept one.
        var ranked: [(Float, Int, Int)] = []
        ranked.reserveCapacity(chosen.reduce(0) { $0 + targets[$1].range.count })
        for k in chosen {
            let start = targets[k].range.lowerBound
            for i in 0..<targets[k].range.count {
                ranked.append((masks[k][i] == 0 ? 0 : Swift.abs(values[start + i]), k, i))
            }
        }
        ranked.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1 != $1.1 ? $0.1 < $1.1 : $0.2 < $1.2) }
        for (_, k, i) in ranked.prefix(count) { masks[k][i] = 0 }
    }
}
