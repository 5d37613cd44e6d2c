import Foundation
import Datasets
import Models

/// What a consistency head knows about its own target, measured where it cannot cheat: on the
/// training samples, whose surprises come from heads fitted on the other folds. The gain is the
/// training marginal's mean −log p(declared) minus the head's (nats): near zero or below, the
/// head predicts no better than the class frequencies, and its surprise can only flag rare
/// values (which may still mark anomalies: its ROC-AUC says). (The marginal is counted on the
/// same samples, add-one smoothed — if anything in its favour.)
enum HeadWorth {
    static func heldOutGain(_ fit: ConsistencyFit, head j: Int, dataset: PreparedDataset) -> Double? {
        let target = fit.specs[j].target
        var declared: [(Int, Float)] = []
        for i in dataset.indices(.train) {
            guard let s = fit.raw.value(sample: i, head: j), let y = RunFiles.declaredClass(target, sample: i, dataset: dataset), y >= 0 else { continue }
            declared.append((Int(y), s))
        }
        guard !declared.isEmpty else { return nil }
        var counts = [Double](repeating: 1, count: max(target.classes, 1 + (declared.map(\.0).max() ?? 0)))
        for (y, _) in declared { counts[y] += 1 }
        let total = counts.reduce(0, +)
        let marginal = declared.reduce(0.0) { $0 - Foundation.log(counts[$1.0] / total) } / Double(declared.count)
        let head = declared.reduce(0.0) { $0 + Double($1.1) } / Double(declared.count)
        return marginal - head
    }

    /// Heads whose held-out gain is below `floor` nats, with their gains, for a note.
    static func weak(_ fit: ConsistencyFit, floor: Double = 0.02) -> [(name: String, gain: Double)] {
        zip(fit.specs, fit.heldOutGains).compactMap { spec, gain in gain.flatMap { $0 < floor ? (spec.name, $0) : nil } }
    }
}
