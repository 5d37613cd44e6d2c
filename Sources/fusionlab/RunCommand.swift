import ArgumentParser
import Lab
import Support

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train and evaluate an experiment: every seed (and every ablation set, if the config has ablation.mode).",
        discussion: "Results go to <output.directory>/<name>/: runs/<variant>/seed-<n>/ per run, summary.csv, and table.csv or ablation.csv.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Continue interrupted runs from their last completed epoch.")
    var resume = false

    @Flag(help: "Check the config, prepare the data and build the model, print parameter counts, and stop.")
    var dryRun = false

    @Option(help: "Data-parallel training: auto (MPI when started by mpirun), mpi, or none.")
    var distributed: DistributedMode = .auto

    func run() throws {
        try reportingErrors {
            try distributed.running { group in
                var loaded = try options.loadAll()
                if !group.isLeader { loaded = DistributedMode.privateOutput(loaded, rank: group.rank) }
                let reporter: (String) -> Void = group.isLeader ? { print($0) } : { _ in }
                let config = loaded.resolved
                let runner = ExperimentRunner(config: config, reporter: reporter)
                if dryRun { try DryRun.describe(runner); return }
                let modes = config.at("ablation.mode")?.arrayValue?.compactMap { $0.stringValue.flatMap(AblationMode.init(rawValue:)) } ?? []
                let outcome: Study.Outcome
                if let variants = config["variants"]?.objectPairs, !variants.isEmpty {
                    guard modes.isEmpty else { throw ValidationError("a config with variants cannot also set ablation.mode; run them as two studies") }
                    outcome = try Study.runVariants(config: loaded, resume: resume, reporter: reporter)
                } else {
                    outcome = try Study(runner: runner, modes: modes, masked: config.at("ablation.masked")?.boolValue ?? false, resume: resume).run()
                }
                if group.isLeader { StudyReport.print(outcome) }
            }
        }
    }
}
