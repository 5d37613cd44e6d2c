import Foundation
import Datasets
import Models

/// What a consistency head knows about its own target, measured where it cannot cheat: on the
/// training samples, whose surprises come from heads fitted on the other folds. The gain is the
/// training marginal's mean −log p(declared) minus the head's (nats): near zero or below, the
/// head predicts no better than the class frequencies, and its surprise can only flag rare
/// values (which may still mark anomalies: its ROC-AUC says). (The marginal is counted on the
/// same samples, add-one smoothed — if anything in its favour.)
/// `head` arguments index surprise columns (one per head; a per-event head's two share its
/// worth). A per-event head is measured per event: over the held-out training samples' judged
/// events, the marginal's mean per-event −log p minus the head's.
enum HeadWorth {
    static func heldOutGain(_ fit: ConsistencyFit, head j: Int, dataset: PreparedDataset) -> Double? {
        let target = fit.specs[fit.columns[j].head].target
        var declared: [(Int, Float)] = []
        for i in dataset.indices(.train) {
            guard let s = fit.raw.value(sample: i, head: j), let y = RunFiles.declaredClass(target, sample: i, dataset: dataset), y >= 0 else { continue }
            declared.append((Int(y), s))
        }
        return gain(declared, classes: target.classes)
    }

    /// The marginal's mean −log p(declared) minus the mean surprise, over (class, surprise) pairs.
    static func gain(_ declared: [(Int, Float)], classes: Int) -> Double? {
        guard !declared.isEmpty else { return nil }
        var counts = [Double](repeating: 1, count: max(classes, 1 + (declared.map(\.0).max() ?? 0)))
        for (y, _) in declared { counts[y] += 1 }
        let total = counts.reduce(0, +)
        let marginal = declared.reduce(0.0) { $0 - Foundation.log(counts[$1.0] / total) } / Double(declared.count)
        let head = declared.reduce(0.0) { $0 + Double($1.1) } / Double(declared.count)
        return marginal - head
    }

    static func eventGain(_ events: EventRecords, classes: Int) -> Double? {
        gain(zip(events.labels, events.surprise).map { (Int($0.0), $0.1) }, classes: classes)
    }

    /// Per-event class probabilities kept for the ROC-AUC of a per-event head, at most (floats).
    static let maximumHeldOutEventProbabilities = 1 << 24

    /// A per-event head's ROC-AUC on its target over the held-out events (nil: probabilities not kept).
    static func eventROCAUC(_ events: EventRecords, classes: Int) -> Double? {
        guard events.keepsProbabilities, !events.labels.isEmpty else { return nil }
        return macroROCAUC(labels: events.labels.map(Int.init)) { k, c in Double(events.probabilities[k * classes + c]) }
    }

    /// Targets with more classes keep no held-out probabilities (n × classes floats), so no ROC-AUC.
    static let maximumClassesForROCAUC = 256

    /// The head's ROC-AUC on its own target over the training samples (held-out probabilities
    /// `[samples × classes]`): scikit-learn's `roc_auc_score(multi_class="ovr", average="macro")`
    /// over the classes seen, which for two classes is the plain binary ROC-AUC. Nil with fewer
    /// than two classes seen.
    static func targetROCAUC(_ fit: ConsistencyFit, head j: Int, probabilities: [Float], dataset: PreparedDataset) -> Double? {
        let target = fit.specs[fit.columns[j].head].target, classes = target.classes
        var rows: [Int] = [], labels: [Int] = []
        for i in dataset.indices(.train) {
            guard fit.raw.value(sample: i, head: j) != nil, let y = RunFiles.declaredClass(target, sample: i, dataset: dataset),
                  y >= 0, Int(y) < classes else { continue }
            rows.append(i)
            labels.append(Int(y))
        }
        return macroROCAUC(labels: labels) { k, c in Double(probabilities[rows[k] * classes + c]) }
    }

    /// Macro one-vs-rest ROC-AUC over the classes seen; `score(k, c)` is item k's probability of class c.
    static func macroROCAUC(labels: [Int], score: (Int, Int) -> Double) -> Double? {
        let seen = Set(labels).sorted()
        guard seen.count >= 2 else { return nil }
        if seen.count == 2 {
            let positive = seen[1]
            return RankingCurve(scores: labels.indices.map { score($0, positive) }, labels: labels.map { $0 == positive }).rocAUC
        }
        let aucs = seen.compactMap { c in
            RankingCurve(scores: labels.indices.map { score($0, c) }, labels: labels.map { $0 == c }).rocAUC
        }
        return aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count)
    }

    /// The heads that know nothing of their target on the held-out folds — gain below
    /// `gainFloor` nats and ROC-AUC on the target below `rocAUCFloor` (or unmeasured) — by index:
    /// their surprises leave the evidence. Both must fail: an overconfident head can lose to the
    /// class frequencies in log-likelihood and still rank its target well, and its standardised
    /// surprise then still carries cross-modal information.
    static func knowingNothing(_ fit: ConsistencyFit, gainFloor: Double, rocAUCFloor: Double) -> [(head: Int, gain: Double, rocAUC: Double?)] {
        fit.heldOutGains.enumerated().compactMap { j, gain in
            guard let gain, gain < gainFloor else { return nil }
            let auc = j < fit.heldOutTargetROCAUCs.count ? fit.heldOutTargetROCAUCs[j] : nil
            if let auc, auc >= rocAUCFloor { return nil }
            return (j, gain, auc)
        }
    }
}
