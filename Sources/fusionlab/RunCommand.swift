import ArgumentParser
import Foundation
import Lab
import Datasets
import Models
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

    func run() throws {
        try reportingErrors {
            let loaded = try options.loadAll()
            let config = loaded.resolved
            let runner = ExperimentRunner(config: config)
            if dryRun { try DryRun.describe(runner); return }
            let modes = config.at("ablation.mode")?.arrayValue?.compactMap { $0.stringValue.flatMap(AblationMode.init(rawValue:)) } ?? []
            if let variants = config["variants"]?.objectPairs, !variants.isEmpty {
                guard modes.isEmpty else { throw ValidationError("a config with variants cannot also set ablation.mode; run them as two studies") }
                StudyReport.print(try Study.runVariants(config: loaded, resume: resume))
                return
            }
            let study = Study(runner: runner, modes: modes, masked: config.at("ablation.masked")?.boolValue ?? false, resume: resume)
            StudyReport.print(try study.run())
        }
    }
}

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

/// Parameter counts per module for `run --dry-run` and `validate`.
enum DryRun {
    static func describe(_ runner: ExperimentRunner) throws {
        let dataset = try runner.dataset(fold: runner.folds.first ?? nil)
        let schema = dataset.schema(imageSize: runner.config.at("data.images.size")!.intValue!)
        let (model, notes) = try MultimodalModel.build(config: runner.config["model"]!, schema: schema, seed: 0)
        for n in notes { print("note: \(n)") }
        print("model: \(model.modalities.map(\.rawValue).joined(separator: " + ")), \(model.parameterCount) parameters")
        for (name, count) in model.parameterCounts { print("  \(name): \(count)") }
    }
}

/// What a finished study prints: the aggregate table and where the files are.
enum StudyReport {
    static func print(_ outcome: Study.Outcome) {
        Swift.print("")
        Swift.print(ResultTables.readable(outcome.table).markdown)
        Swift.print("table: \(outcome.tablePath)")
        Swift.print("per-run summary: \(outcome.summaryPath)")
        if let m = outcome.maskedTablePath { Swift.print("masked-modality table: \(m)") }
    }
}

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Rebuild a results table from run folders (or folders holding them, e.g. Results/default) and per-run CSV files.")

    @Argument(help: "Run folders, folders to search for them, or per-run tables in summary.csv's format (a study's summary.csv, a baseline's trees.csv).")
    var paths: [String]

    @Option(help: "csv or markdown.")
    var format: String = "markdown"

    @Option(help: "Metrics to show, comma-separated (default: the main metrics and per-type recall).")
    var metrics: String?

    @Flag(help: "A row per run instead of mean and std per variant.")
    var perRun = false

    @Flag(help: "The attribution table instead: each run's modality_weights_by_type.csv averaged per variant, anomaly type and method.")
    var attribution = false

    @Option(help: "Write to this file (atomically) instead of printing.")
    var out: String?

    func validate() throws {
        guard ["csv", "markdown"].contains(format) else { throw ValidationError("--format must be csv or markdown, got \(format)") }
    }

    func run() throws {
        try reportingErrors {
            var directories: [String] = [], fromFiles: [RunRecord] = []
            var skipped: [(folder: String, why: String)] = []
            for p in paths {
                if p.hasSuffix(".csv") { fromFiles += try RunRecord.readSummary(path: p); continue }
                let found = RunRecord.findRuns(under: p)
                skipped += found.incomplete
                if found.complete.isEmpty {
                    throw ValidationError("\(p): no complete run folders (with \(RunFolder.marker)) found"
                                          + (found.incomplete.isEmpty ? "" : "; \(found.incomplete.count) incomplete: \(found.incomplete[0].folder), …"))
                }
                directories += found.complete
            }
            if !skipped.isEmpty {
                let lines = ["skipped \(skipped.count) incomplete run folder(s):"] + skipped.map { "  \($0.folder): \($0.why)" }
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            let records = try directories.map { try RunRecord.read(directory: $0) } + fromFiles
            if attribution {
                var order: [String] = []
                for r in records where !order.contains(r.variant) { order.append(r.variant) }
                guard let table = try ModalityAttribution.aggregate(records.map { ($0.variant, $0.directory) }, order: order) else {
                    throw ValidationError("no modality_weights_by_type.csv in these runs")
                }
                let text = format == "csv" ? table.text : table.markdown
                if let out { try AtomicFile.write(text, to: out); print("wrote \(out)") } else { print(text, terminator: "") }
                return
            }
            let wanted = metrics?.split(separator: ",").map(String.init)
            var table = perRun ? ResultTables.perRun(records, metrics: wanted) : ResultTables.aggregate(records, metrics: wanted)
            if format == "markdown" && !perRun { table = ResultTables.readable(table) }
            let text = format == "csv" ? table.text : table.markdown
            if let out { try AtomicFile.write(text, to: out); print("wrote \(out)") } else { print(text, terminator: "") }
        }
    }
}
