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

    /// The modality sets to train, full model first, without repeats (the plan's).
    public var modalitySets: [[Modality]] { StudyPlan.modalitySets(full: runner.configuredModalities, modes: modes) }

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
        let plan = try StudyPlan(config: loaded, modes: [], masked: false)
        let runners = try StudyRunners(config: loaded, reporter: reporter)
        var results: [RunResult] = []
        for run in plan.runs {
            reporter("[\(run.row)] seed \(run.seed)\(run.fold.map { " fold \($0)" } ?? "")")
            results.append(try runners.run(run, resume: resume))
        }
        try plan.write()
        var outcome = try plan.tables.write(results, reporter: reporter)
        if let ablation = plan.selectedAblation, let chosen = outcome.mostOftenSelected {
            // The chosen variant's own config, as a study of its own inside this one's folder;
            // the caches make its full model (and the heads of every seed already fitted) a reuse.
            let runner = runners.runner(config: try selectedAblationConfig(loaded, chosen: chosen, ablation: ablation), locking: .wholeStudy)
            reporter("ablating the modalities of \(chosen), selected for most seeds (select.ablate)")
            outcome.selectedAblation = SelectedAblation(
                variant: chosen, outcome: try Study(runner: runner, modes: ablation.modes, masked: ablation.masked, resume: resume).run())
        }
        return outcome
    }

    /// The config of `select.ablate`'s study: the chosen variant's own, in `ablation-of-selected/`
    /// inside the study's folder, without `select`, over the ablation's seeds.
    static func selectedAblationConfig(_ loaded: ConfigLoader.Loaded, chosen: String, ablation: ModelSelection.Ablation) throws -> JSONValue {
        let variant = try variantConfig(loaded, chosen).resolved
        let options = ExperimentOptions(variant)
        let directory = StudyPlan.directory(options)
        var config = variant.removing("select")
            .setting(["output", "directory"], to: .string(directory))
            .setting(["name"], to: .string(StudyPlan.selectedAblationFolder))
            .setting(["description"], to: .string("Modality ablation of \(chosen), the variant \(options.name) selected for most seeds."))
        if let seeds = ablation.seeds { config = config.setting(["seeds"], to: .array(seeds.map { .number(Double($0)) })) }
        return config
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

    /// The plan of this study: its modality sets × seeds × folds.
    public var plan: StudyPlan { StudyPlan(options: runner.options, modes: modes, masked: masked) }

    public func run() throws -> Outcome {
        let plan = self.plan
        let runners = StudyRunners(runner: runner)
        var results: [RunResult] = []
        for (k, run) in plan.runs.enumerated() {
            runner.reporter("[\(k + 1)/\(plan.runs.count)] \(run.row) seed \(run.seed)\(run.fold.map { " fold \($0)" } ?? "")")
            results.append(try runners.run(run, resume: resume))
        }
        try plan.write()
        return try plan.tables.write(results, reporter: runner.reporter)
    }
}
