import Foundation
import Datasets
import Support

/// Which modality sets an ablation trains (besides the full model).
public enum AblationMode: String, Sendable, CaseIterable {
    case leaveOneOut = "leave-one-out"
    case single
    case allSubsets = "all-subsets"

    static func subsets(_ full: [Modality]) -> [[Modality]] {
        var out: [[Modality]] = []
        for mask in 1..<(1 << full.count) {
            out.append(full.indices.filter { mask & (1 << $0) != 0 }.map { full[$0] })
        }
        return out
    }

    /// The modality sets of this mode for a model with `full` modalities.
    public func sets(_ full: [Modality]) -> [[Modality]] {
        switch self {
        case .leaveOneOut: full.count > 1 ? full.map { m in full.filter { $0 != m } } : []
        case .single: full.count > 1 ? full.map { [$0] } : []
        case .allSubsets:
            // Larger sets first; within a size, in modality order.
            Self.subsets(full).filter { $0 != full }.sorted { a, b in
                a.count != b.count ? a.count > b.count : a.map(\.index).lexicographicallyPrecedes(b.map(\.index))
            }
        }
    }
}

/// A whole study: every modality set × seed × fold of a config, then its tables.
public struct Study {
    public let runner: ExperimentRunner
    public var modes: [AblationMode]
    public var masked: Bool
    public var resume: Bool

    public init(runner: ExperimentRunner, modes: [AblationMode], masked: Bool, resume: Bool) {
        self.runner = runner; self.modes = modes; self.masked = masked; self.resume = resume
        if runner.consistencyCache == nil { runner.consistencyCache = ConsistencyCache() }
        if runner.trainedModelCache == nil { runner.trainedModelCache = TrainedModelCache() }
    }

    /// The modality sets to train, full model first, without repeats.
    public var modalitySets: [[Modality]] {
        let full = runner.configuredModalities
        var sets = [full]
        for mode in modes { for s in mode.sets(full) where !sets.contains(s) { sets.append(s) } }
        return sets
    }

    public struct Outcome {
        public var results: [RunResult]
        public var summaryPath: String
        public var tablePath: String
        public var table: CSVTable
        public var maskedTablePath: String?
        /// With `select`: the variant chosen for most seeds (what `select.ablate` ablates).
        public var mostOftenSelected: String?
        /// With `select.ablate`: the modality ablation of `mostOftenSelected`.
        public var selectedAblation: SelectedAblation?
    }

    /// A study nested in another (a class, so that `Outcome` can hold one).
    public final class SelectedAblation {
        public let variant: String
        public let outcome: Outcome
        init(variant: String, outcome: Outcome) { self.variant = variant; self.outcome = outcome }
    }

    /// Runs each named variant of the config (`variants`), each over all seeds and folds.
    public static func runVariants(config loaded: ConfigLoader.Loaded, resume: Bool, reporter: @escaping (String) -> Void = { print($0) }) throws -> Outcome {
        let config = loaded.resolved
        guard let variants = config["variants"]?.objectPairs, !variants.isEmpty else {
            return try Study(runner: ExperimentRunner(config: config, reporter: reporter), modes: [], masked: false, resume: resume).run()
        }
        var results: [RunResult] = []
        var base: ExperimentRunner?
        let cache = ConsistencyCache(), datasets = DatasetCache(), trained = TrainedModelCache()
        // Every variant is checked before the first trains: a typo in the last one should not
        // surface an hour into the study.
        let resolvedVariants = try variants.map { (name: $0.0, config: try variantConfig(loaded, $0.0)) }
        for (name, variant) in resolvedVariants {
            for note in variant.notes { reporter("note: [\(name)] \(note)") }
            let resolved = variant.resolved
            let runner = ExperimentRunner(config: resolved, reporter: reporter)
            runner.variantLabel = name
            runner.consistencyCache = cache
            runner.trainedModelCache = trained
            runner.datasetCache = datasets
            if base == nil { base = runner }
            let study = Study(runner: runner, modes: [], masked: false, resume: resume)
            for seed in runner.seeds {
                for fold in runner.folds {
                    reporter("[\(name)] seed \(seed)\(fold.map { " fold \($0)" } ?? "")")
                    results.append(try runner.run(seed: seed, fold: fold, resume: study.resume))
                }
            }
        }
        var outcome = try Study(runner: base!, modes: [], masked: false, resume: resume).writeTables(results, order: variants.map(\.0))
        if let ablation = base!.options.selection?.ablation, let chosen = outcome.mostOftenSelected,
           let variant = resolvedVariants.first(where: { $0.name == chosen }) {
            // The chosen variant's own config, as a study of its own inside this one's folder;
            // the caches make its full model (and the heads of every seed already fitted) a reuse.
            var config = variant.config.resolved.removing("select")
                .setting(["output", "directory"], to: .string(base!.experimentDirectory))
                .setting(["name"], to: .string("ablation-of-selected"))
                .setting(["description"], to: .string("Modality ablation of \(chosen), the variant \(base!.options.name) selected for most seeds."))
            if let seeds = ablation.seeds { config = config.setting(["seeds"], to: .array(seeds.map { .number(Double($0)) })) }
            let runner = ExperimentRunner(config: config, reporter: reporter)
            runner.consistencyCache = cache
            runner.trainedModelCache = trained
            runner.datasetCache = datasets
            reporter("ablating the modalities of \(chosen), selected for most seeds (select.ablate)")
            outcome.selectedAblation = SelectedAblation(
                variant: chosen, outcome: try Study(runner: runner, modes: ablation.modes, masked: ablation.masked, resume: resume).run())
        }
        return outcome
    }

    /// Variant `name` of a loaded config: its overrides laid over the merged config before
    /// defaults are filled in — exactly what the same `--set` list on the command line gives.
    public static func variantConfig(_ loaded: ConfigLoader.Loaded, _ name: String) throws -> ConfigLoader.Loaded {
        let overrides = (loaded.resolved["variants"]?[name]?.arrayValue ?? []).compactMap(\.stringValue)
        var notes: [String] = []
        let merged: JSONValue
        do { merged = try ConfigLoader.apply(overrides: overrides, to: loaded.merged.removing("variants"), schema: ExperimentSchema.root, notes: &notes) } catch {
            throw ConfigError(path: "variants.\(name)", message: error.description)
        }
        do { return ConfigLoader.Loaded(merged: merged, resolved: try ExperimentSchema.root.validate(merged, path: ""), notes: notes) } catch {
            throw ConfigError(path: "variants.\(name) → \(error.path)", message: error.message)
        }
    }

    public func run() throws -> Outcome {
        var results: [RunResult] = []
        let sets = modalitySets
        let full = runner.configuredModalities
        let total = sets.count * runner.seeds.count * runner.folds.count
        var k = 0
        for set in sets {
            for seed in runner.seeds {
                for fold in runner.folds {
                    k += 1
                    runner.reporter("[\(k)/\(total)] \(ExperimentRunner.variantName(set, full: full)) seed \(seed)\(fold.map { " fold \($0)" } ?? "")")
                    results.append(try runner.run(modalities: set, seed: seed, fold: fold, resume: resume, masked: masked && set == full))
                }
            }
        }
        return try writeTables(results, order: sets.map { ExperimentRunner.variantName($0, full: full) })
    }

    /// summary.csv (a row per run of this study) and the aggregate table (a row per modality
    /// set: mean and std over seeds and folds): ablation.csv when ablating, table.csv otherwise.
    func writeTables(_ results: [RunResult], order: [String]) throws -> Outcome {
        let directory = runner.experimentDirectory
        var records = try results.map { try RunRecord.read(directory: $0.directory) }
        var order = order
        var mostOftenSelected: String?
        if let selection = runner.options.selection, order.count > 1 {
            let (choices, selected) = selection.select(records, order: order)
            mostOftenSelected = selection.mostOftenSelected(choices, order: order)
            try selection.table(choices, order: order).write(to: (directory as NSString).appendingPathComponent("selection.csv"))
            records += selected
            order.append("selected")
            let counts = Dictionary(grouping: choices, by: \.variant).map { "\($0.key) \($0.value.count)" }.sorted()
            runner.reporter("selected on validation \(selection.metric), per seed: \(counts.joined(separator: ", ")) (selection.csv)")
        }
        let summaryPath = (directory as NSString).appendingPathComponent("summary.csv")
        try ResultTables.perRun(records).write(to: summaryPath)
        let table = ResultTables.aggregate(records, order: order)
        let tablePath = (directory as NSString).appendingPathComponent(modes.isEmpty ? "table.csv" : "ablation.csv")
        try table.write(to: tablePath)
        // Attribution per anomaly type, averaged over seeds (keeps rows in the table's order).
        if let attribution = try ModalityAttribution.aggregate(results.map { ($0.variant, $0.directory) }, order: order) {
            try attribution.write(to: (directory as NSString).appendingPathComponent("attribution.csv"))
        }
        var maskedPath: String?
        let maskedResults = results.filter { !$0.maskedTest.isEmpty }
        if !maskedResults.isEmpty {
            // One trained full model per seed, scored with each modality masked.
            var records: [RunRecord] = []
            for r in maskedResults {
                for (m, metrics) in r.maskedTest {
                    records.append(RunRecord(directory: r.directory, variant: "full, \(m.rawValue) masked", seed: r.seed, fold: r.fold,
                                             test: RunRecord.flatten(metrics.json)))
                }
                records.append(RunRecord(directory: r.directory, variant: "full", seed: r.seed, fold: r.fold, test: RunRecord.flatten(r.test.json)))
            }
            let variants = ["full"] + runner.configuredModalities.map { "full, \($0.rawValue) masked" }
            maskedPath = (directory as NSString).appendingPathComponent("ablation-masked.csv")
            try ResultTables.aggregate(records, order: variants).write(to: maskedPath!)
        }
        return Outcome(results: results, summaryPath: summaryPath, tablePath: tablePath, table: table, maskedTablePath: maskedPath,
                       mostOftenSelected: mostOftenSelected)
    }
}
