import ArgumentParser
import Foundation
import Lab
import Support

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train and evaluate an experiment: every seed (and every ablation set, if the config has ablation.mode).",
        discussion: """
        Results go to <output.directory>/<name>/: runs/<variant>/seed-<n>/ per run, summary.csv, and table.csv or ablation.csv.

        --shard i/N runs a deterministic 1/N of the study: the runs at index i, i+N, i+2N, … of `fusionlab plan CONFIG` \
        (round-robin; i from 0 to N-1, e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT). Shards of one study may run at \
        once on a shared filesystem: each writes only its run folders (locking each while it writes it), keeps complete \
        runs of the same config and continues unfinished ones (as --resume), and the shard that finds every run complete \
        writes the study's tables — the same bytes as a single-process run. `fusionlab table <folder>` says what is missing. \
        With select.ablate, a shard that finds the whole first stage complete runs its share of the ablation of the \
        selected variant: run the shards a second time (e.g. a second job array with --dependency=afterok:<job>) to complete it.
        """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Continue interrupted runs from their last completed epoch.")
    var resume = false

    @Flag(help: "Check the config, prepare the data and build the model, print parameter counts, and stop.")
    var dryRun = false

    @Option(help: "Data-parallel training: auto (MPI when started by mpirun), mpi, or none.")
    var distributed: DistributedMode = .auto

    @Option(help: ArgumentHelp("Run only shard i of N of the study's runs (round-robin over `fusionlab plan`; see below).", valueName: "i/N"))
    var shard: String?

    func validate() throws {
        if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError(error.description) } }
    }

    /// The config's `ablation.mode` sets.
    static func ablationModes(_ config: JSONValue) -> [AblationMode] {
        config.at("ablation.mode")?.arrayValue?.compactMap { $0.stringValue.flatMap(AblationMode.init(rawValue:)) } ?? []
    }

    func run() throws {
        try reportingErrors {
            try distributed.running { group in
                var loaded = try options.loadAll()
                if !group.isLeader { loaded = DistributedMode.privateOutput(loaded, rank: group.rank) }
                let reporter: (String) -> Void = group.isLeader ? { print($0) } : { _ in }
                let config = loaded.resolved
                let modes = Self.ablationModes(config), masked = config.at("ablation.masked")?.boolValue ?? false
                if let shard {
                    if dryRun { try DryRun.describe(ExperimentRunner(config: config, reporter: reporter)); return }
                    let outcome = try ShardedStudy(config: loaded, shard: try Shard(parsing: shard), modes: modes, masked: masked).run()
                    if group.isLeader, let tables = outcome.stages[0].tables { StudyReport.print(tables) }
                    return
                }
                let runner = ExperimentRunner(config: config, reporter: reporter)
                if dryRun { try DryRun.describe(runner); return }
                let outcome: Study.Outcome
                if let variants = config["variants"]?.objectPairs, !variants.isEmpty {
                    guard modes.isEmpty else { throw ValidationError("a config with variants cannot also set ablation.mode; run them as two studies") }
                    outcome = try Study.runVariants(config: loaded, resume: resume, reporter: reporter)
                } else {
                    outcome = try Study(runner: runner, modes: modes, masked: masked, resume: resume).run()
                }
                if group.isLeader { StudyReport.print(outcome) }
            }
        }
    }
}
