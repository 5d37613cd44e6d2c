import Foundation
import Support

/// One shard of a study (`fusionlab run CONFIG --shard i/N`): its runs of the plan, then the
/// study's tables if every run is complete. Shards of one study run side by side on a shared
/// filesystem — each holds the study folder's lock shared, each run folder's while it writes
/// it, and the tables' while it writes them — so the shard that completes the study leaves
/// the same tables a single process writes. A shard keeps the complete runs of the same config
/// and continues unfinished ones (as `--resume`), so it can be run again: after a failure, a
/// requeue, or for `select.ablate`.
///
/// `select.ablate` is a second stage: it ablates the variant selected most often, which only
/// the whole first stage decides. A shard that finds the first stage complete once its own runs
/// are done goes on to its share (the same `i/N`) of the second stage, in `ablation-of-selected/`;
/// so the first stage's last shard starts it, and running every shard again — a second job
/// array after the first (`--dependency=afterok:<job>`) — completes it.
public struct ShardedStudy {
    public let loaded: ConfigLoader.Loaded
    public let shard: Shard
    public var modes: [AblationMode]
    public var masked: Bool
    public let reporter: (String) -> Void

    public init(config loaded: ConfigLoader.Loaded, shard: Shard, modes: [AblationMode] = [], masked: Bool = false,
                reporter: @escaping (String) -> Void = { print($0) }) {
        self.loaded = loaded; self.shard = shard; self.modes = modes; self.masked = masked; self.reporter = reporter
    }

    /// What one stage of a shard did and left.
    public struct StageOutcome {
        public var plan: StudyPlan
        /// This shard's runs, in plan order.
        public var ran: [PlannedRun]
        /// The tables, when this shard found every run of the stage complete.
        public var tables: Study.Outcome?
        /// What is not complete yet (nil when the stage is).
        public var missing: String?
    }

    public struct Outcome {
        public var stages: [StageOutcome]
        /// `select.ablate` is configured but its stage could not start (the first is incomplete).
        public var selectedAblationWaits: Bool
    }

    public func run() throws -> Outcome {
        let plan = try StudyPlan(config: loaded, modes: modes, masked: masked)
        let runners = try StudyRunners(config: loaded, locking: .perRun, reporter: reporter)
        var first = try runStage(plan, label: plan.name, run: { try runners.run($0, resume: true) })
        guard let ablation = plan.selectedAblation else { return Outcome(stages: [first], selectedAblationWaits: false) }
        guard let chosen = first.tables?.mostOftenSelected else {
            if first.tables == nil {
                reporter("select.ablate waits for the first stage: once every run above is complete, run the shards again "
                         + "(the same --shard values, e.g. a second job array with --dependency=afterok:<job>) to ablate the selected variant")
            }
            return Outcome(stages: [first], selectedAblationWaits: first.tables == nil)
        }
        reporter("ablating the modalities of \(chosen), selected for most seeds (select.ablate), shard \(shard)")
        let runner = runners.runner(config: try Study.selectedAblationConfig(loaded, chosen: chosen, ablation: ablation), locking: .perRun)
        let second = StudyPlan(options: runner.options, modes: ablation.modes, masked: ablation.masked)
        let outcome = try runStage(second, label: "\(plan.name)/\(StudyPlan.selectedAblationFolder)", run: {
            try runner.run(modalities: $0.modalities, seed: $0.seed, fold: $0.fold, resume: true, masked: $0.masked)
        })
        if let tables = outcome.tables { first.tables?.selectedAblation = Study.SelectedAblation(variant: chosen, outcome: tables) }
        return Outcome(stages: [first, outcome], selectedAblationWaits: false)
    }

    /// This shard's runs of `plan`, then the plan recorded and — if every run is complete — the tables.
    private func runStage(_ plan: StudyPlan, label: String, run: (PlannedRun) throws -> RunResult) throws -> StageOutcome {
        let mine = shard.take(plan.runs)
        reporter("\(label): shard \(shard) has \(mine.count) of the plan's \(plan.runs.count) runs"
                 + (mine.isEmpty ? "" : ": " + mine.map(\.id).joined(separator: ", ")))
        for (k, planned) in mine.enumerated() {
            reporter("[\(k + 1)/\(mine.count)] \(planned.id)")
            _ = try run(planned)
        }
        let merge = StudyMerge(plan: plan)
        let tables = try merge.write(reporter: reporter)
        let missing = tables == nil ? merge.missingReport() : nil
        if let missing {
            reporter(missing + "\nthe shard that completes the study writes its tables (or: fusionlab table \(plan.directory) --write)")
        }
        return StageOutcome(plan: plan, ran: mine, tables: tables, missing: missing)
    }
}
