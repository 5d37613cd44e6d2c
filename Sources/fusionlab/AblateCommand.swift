import ArgumentParser
import Lab

struct AblateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablate",
        abstract: "Retrain an experiment for each modality set and write one table (a row per set, mean and std over seeds).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Modality sets besides the full model: leave-one-out, single, all-subsets (comma-separated).")
    var mode: String = "leave-one-out"

    @Flag(help: "Also score each seed's trained full model with each modality masked (ablation-masked.csv).")
    var masked = false

    @Flag(help: "Continue interrupted runs from their last completed epoch.")
    var resume = false

    func validate() throws {
        for m in mode.split(separator: ",") where AblationMode(rawValue: String(m)) == nil {
            throw ValidationError("--mode \"\(m)\" is not one of \(AblationMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try reportingErrors {
            let runner = ExperimentRunner(config: try options.load())
            let modes = mode.split(separator: ",").map { AblationMode(rawValue: String($0))! }
            StudyReport.print(try Study(runner: runner, modes: modes, masked: masked, resume: resume).run())
        }
    }
}
