import Support

/// Model selection over a study's variants (`select`): for each seed and fold, the variant
/// whose run scores best on the validation split; its test metrics become the `selected` row.
/// Only validation metrics are read to choose — the test split reports, never decides. Ties go
/// to the variant listed first; a variant whose validation metric is undefined cannot be chosen.
public struct ModelSelection: Sendable, Equatable {
    public var metric: String
    /// A modality ablation of the variant selected most often (`select.ablate`); nil: none.
    public var ablation: Ablation?

    public struct Ablation: Sendable, Equatable {
        public var modes: [AblationMode]
        public var masked: Bool
        /// nil: the study's seeds.
        public var seeds: [Int]?
    }

    public init(metric: String, ablation: Ablation? = nil) { self.metric = metric; self.ablation = ablation }

    /// The variant chosen for most seeds and folds; a tie goes to the better mean validation
    /// metric over the choices, then to the variant listed first. Nil without choices.
    public func mostOftenSelected(_ choices: [Choice], order: [String]) -> String? {
        let better = MetricRegistry.named(metric)?.higherIsBetter ?? true
        func meanValid(_ v: String) -> Double {
            let values = choices.compactMap { c in c.candidates.first { $0.variant == v }?.valid }
            return values.isEmpty ? (better ? -.infinity : .infinity) : values.reduce(0, +) / Double(values.count)
        }
        let counts = Dictionary(grouping: choices, by: \.variant).mapValues(\.count)
        return order.filter { counts[$0] != nil }.min { a, b in
            if counts[a]! != counts[b]! { return counts[a]! > counts[b]! }
            let (ma, mb) = (meanValid(a), meanValid(b))
            return ma != mb && (better ? ma > mb : ma < mb)
        }
    }

    public struct Choice: Sendable {
        public var seed: Int
        public var fold: Int?
        public var variant: String
        /// Each candidate's validation metric, in variant order.
        public var candidates: [(variant: String, valid: Double?)]
    }

    /// The choices, and the chosen runs' records relabelled `selected`.
    public func select(_ records: [RunRecord], order: [String]) -> (choices: [Choice], selected: [RunRecord]) {
        let better = MetricRegistry.named(metric)?.higherIsBetter ?? true
        var choices: [Choice] = [], selected: [RunRecord] = []
        let keys = Set(records.map { SeedFold(seed: $0.seed, fold: $0.fold) }).sorted { ($0.seed, $0.fold ?? -1) < ($1.seed, $1.fold ?? -1) }
        for key in keys {
            let group = order.compactMap { v in records.first { $0.variant == v && $0.seed == key.seed && $0.fold == key.fold } }
            var best: RunRecord?, bestValue = 0.0
            for r in group {
                guard let v = r.valid[metric] ?? nil else { continue }
                if best == nil || (better ? v > bestValue : v < bestValue) { best = r; bestValue = v }
            }
            guard let best else { continue }
            choices.append(Choice(seed: key.seed, fold: key.fold, variant: best.variant, candidates: group.map { ($0.variant, $0.valid[metric] ?? nil) }))
            var row = best
            row.variant = "selected"
            selected.append(row)
        }
        return (choices, selected)
    }

    /// selection.csv: a row per seed and fold — the chosen variant, then each candidate's validation metric.
    public func table(_ choices: [Choice], order: [String]) -> CSVTable {
        var t = CSVTable(header: ["seed", "fold", "selected"] + order.map { "valid_\(metric)_\($0)" })
        for c in choices {
            t.append([String(c.seed), c.fold.map(String.init) ?? "", c.variant]
                     + order.map { v in CSVTable.number(c.candidates.first { $0.variant == v }?.valid ?? nil) })
        }
        return t
    }

    private struct SeedFold: Hashable { var seed: Int; var fold: Int? }
}
