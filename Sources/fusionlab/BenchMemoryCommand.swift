import ArgumentParser
import Bench
import Foundation
import Lab
import Support

/// Peak resident memory of training and scoring at several windows; see `MemoryBench`.
struct BenchMemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Peak resident memory of training and of scoring an experiment's model at several sequence lengths.",
        discussion: """
            For each --lengths value, a child process prepares the config's data with that data.max_length, builds its \
            model, trains it for --epochs epochs (no files written) and evaluates it as `run` does (train, valid and \
            test scored, attribution on test). Peak resident memory (VmHWM, /proc/self/status) is reset between the \
            phases; the buffer pool's peak of tensors in use is shown beside it. The default config is the default \
            model on the small shop (generated when absent, as `run` does).
            """)

    @Argument(help: "Experiment config (JSON).")
    var config = "Experiments/default.json"

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value (repeatable), as in `run`.", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: "Sequence lengths (data.max_length) to measure, comma-separated.")
    var lengths = "50,256,1024"

    @Option(help: "Training epochs per length (training.epochs).")
    var epochs = 1

    @OptionGroup var threadOptions: ThreadOptions

    @Flag(help: ArgumentHelp("Measure the one length of --lengths in this process and print its figures (the parent's child).", visibility: .hidden))
    var inProcess = false

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        _ = try lengthList()
    }

    private func lengthList() throws -> [Int] {
        let values = lengths.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = values.compactMap { Int($0) }
        guard !values.isEmpty, parsed.count == values.count, parsed.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--lengths must be positive integers separated by commas, got '\(lengths)'")
        }
        return parsed
    }

    func run() throws {
        let lengths = try lengthList()
        guard inProcess else {
            let shared = overrides.flatMap { ["--set", $0] } + ["--epochs", String(epochs)]
                + (threadOptions.threads.map { ["--threads", String($0)] } ?? [])
            try MemoryBench.run(lengths: lengths) { ["bench", "memory", config, "--lengths", String($0), "--in-process"] + shared }
            return
        }
        guard lengths.count == 1 else { throw ValidationError("--in-process measures one length; got \(lengths.count)") }
        let settings = overrides + ["data.max_length=\(lengths[0])", "training.epochs=\(epochs)"] + (threadOptions.threads.map { ["threads=\($0)"] } ?? [])
        let loaded = try ConfigLoader.loadAll(path: config, overrides: settings, schema: ExperimentSchema.root)
        MemoryBench.report(try MemoryBench.measureHere(config: loaded.resolved, seed: 0))
    }
}
