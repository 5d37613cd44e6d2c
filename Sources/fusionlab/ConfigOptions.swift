import ArgumentParser
import Foundation
import Lab
import Support

/// A config path plus `--set` overrides, shared by run, ablate and validate.
struct ConfigOptions: ParsableArguments {
    @Argument(help: "Experiment config (JSON), e.g. Experiments/default.json.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value: --set training.optimizer.lr=3e-4 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: "Threads for OpenBLAS and parallel loops (overrides the config's `threads`).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// The validated config, or a message naming the file and key.
    func load() throws -> JSONValue { try loadAll().resolved }

    /// The loaded config with its merged layers (variants build on them); notes on options a
    /// type switch dropped go to standard error.
    func loadAll() throws -> ConfigLoader.Loaded {
        var overrides = self.overrides
        if let threads { overrides.append("threads=\(threads)") }
        let loaded = try ConfigLoader.loadAll(path: config, overrides: overrides, schema: ExperimentSchema.root)
        for note in loaded.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        return loaded
    }
}
