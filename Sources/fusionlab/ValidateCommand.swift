import ArgumentParser
import Foundation
import Lab
import Support

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config without running it: print the resolved config and, if the dataset exists, the model's parameter counts.")

    @Argument(help: "Experiment config (JSON). Not needed with --docs.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Flag(help: "Print the configuration reference (docs/CONFIG.md) instead.")
    var docs = false

    func run() throws {
        try reportingErrors {
            if docs { print(ConfigReference.markdown, terminator: ""); return }
            guard let config else { throw ValidationError("give a config path, or --docs") }
            let loaded = try ConfigLoader.loadAll(path: config, overrides: overrides, schema: ExperimentSchema.root)
            let resolved = loaded.resolved
            for note in loaded.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            print(resolved.rendered())
            for (name, _) in resolved["variants"]?.objectPairs ?? [] {
                let variant = try Study.variantConfig(loaded, name)
                for note in variant.notes { print("note: [\(name)] \(note)") }
                print("variant \(name): OK")
            }
            let runner = ExperimentRunner(config: resolved)
            if FileManager.default.fileExists(atPath: resolved.at("data.path")!.stringValue!) {
                try DryRun.describe(runner)
            } else {
                print("config OK (dataset \(resolved.at("data.path")!.stringValue!) not present: model not built)")
            }
        }
    }
}
