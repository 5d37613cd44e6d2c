import ArgumentParser
import Foundation
import Lab
import Support

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Rebuild a results table from run folders (or folders holding them, e.g. Results/default) and per-run CSV files.")

    @Argument(help: "Run folders, folders to search for them, or per-run tables in summary.csv's format (a study's summary.csv, a baseline's trees.csv).")
    var paths: [String] = []

    @Option(help: "The study's config: read its folder (the one path given, or the config's) against its plan — rows in its order, the selected row, missing runs named — as a study folder given alone is against the plan.json it records.")
    var config: String?

    @Flag(help: "Write the study's own tables into its folder (summary.csv, table.csv or ablation.csv, selection.csv, …) from its complete runs, as its last shard does.")
    var write = false

    @Option(help: "csv, markdown or latex (markdown and latex: mean ± std, the best mean per column in bold).")
    var format: String = "markdown"

    @Option(help: "Metrics to show, comma-separated (default: the main metrics and per-type recall).")
    var metrics: String?

    @Option(help: "Like --metrics, and a name may end in * (roc_auc,average_precision,recall_*).")
    var columns: String?

    @Flag(help: "A row per run instead of mean and std per variant.")
    var perRun = false

    @Flag(help: "The attribution table instead: each run's attribution_by_type.csv averaged per variant, anomaly type and method.")
    var attribution = false

    @Option(help: "Write to this file (atomically) instead of printing.")
    var out: String?

    func validate() throws {
        guard ["csv", "markdown", "latex"].contains(format) else { throw ValidationError("--format must be csv, markdown or latex, got \(format)") }
        if metrics != nil && columns != nil { throw ValidationError("give --metrics or --columns, not both") }
        if format == "latex" && (perRun || attribution) {
            throw ValidationError("--format latex shows mean ± std per variant; it does not combine with --per-run or --attribution")
        }
        if paths.isEmpty && config == nil { throw ValidationError("give run folders or per-run tables, or --config") }
    }

    func run() throws {
        try reportingErrors {
            // A study read against its plan (--config, or the plan.json its folder records).
            let loaded = try config.map { try ConfigLoader.loadAll(path: $0, schema: ExperimentSchema.root) }
            let study = try StudyMerge.forTable(paths: paths, config: loaded, modes: loaded.map { RunCommand.ablationModes($0.resolved) } ?? [],
                                                masked: loaded?.resolved.at("ablation.masked")?.boolValue ?? false)
            if let missing = study?.missingReport() { FileHandle.standardError.write(Data((missing + "\n").utf8)) }
            if write {
                guard let study else { throw CommandError("--write needs the study's plan: give its folder alone (with a plan.json) or --config") }
                _ = try study.write(partial: true, reporter: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
                FileHandle.standardError.write(Data("wrote the tables of \(study.plan.directory)\n".utf8))
            }
            var order: [String]?
            var directories: [String] = [], fromFiles: [RunRecord] = []
            var skipped: [(folder: String, why: String)] = []
            for p in study == nil ? paths : [] {
                if p.hasSuffix(".csv") { fromFiles += try RunRecord.readSummary(path: p); continue }
                let found = RunRecord.findRuns(under: p)
                skipped += found.incomplete
                if found.complete.isEmpty {
                    throw CommandError("\(p): no complete run folders (with \(RunFolder.marker)) found"
                                          + (found.incomplete.isEmpty ? "" : "; \(found.incomplete.count) incomplete: \(found.incomplete[0].folder), …"))
                }
                directories += found.complete
            }
            if !skipped.isEmpty {
                let lines = ["skipped \(skipped.count) incomplete run folder(s):"] + skipped.map { "  \($0.folder): \($0.why)" }
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            var records = try directories.map { try RunRecord.read(directory: $0) } + fromFiles
            if let study {
                (records, order) = try study.records()
                if records.isEmpty { throw CommandError("\(study.plan.directory): none of the plan's \(study.plan.runs.count) runs is complete") }
            } else if let recorded = ModelSelection.recorded(in: records) {
                (records, order) = recorded.selection.adding(to: records, order: recorded.order)
            }
            if attribution {
                records.removeAll { $0.variant == "selected" }
                var order: [String] = []
                for r in records where !order.contains(r.variant) { order.append(r.variant) }
                guard let table = try ModalityAttribution.aggregate(records.map { ($0.variant, $0.directory) }, order: order) else {
                    throw CommandError("no attribution_by_type.csv in these runs")
                }
                let text = format == "csv" ? table.text : table.markdown
                if let out { try DurableFile.write(text, to: out); print("wrote \(out)") } else { print(text, terminator: "") }
                return
            }
            var wanted = metrics?.split(separator: ",").map(String.init)
            if let columns {
                let available = ResultTables.availableMetrics(records)
                let (chosen, unmatched) = PaperTable.select(columns.split(separator: ",").map(String.init), from: available)
                guard unmatched.isEmpty else {
                    throw CommandError("--columns: no metric matches \(unmatched.joined(separator: ", ")); these runs have \(available.joined(separator: ", "))")
                }
                wanted = chosen
            }
            let table = perRun ? ResultTables.perRun(records, metrics: wanted) : ResultTables.aggregate(records, metrics: wanted, order: order)
            let text: String
            switch format {
            case "csv": text = table.text
            case "latex": text = PaperTable(aggregate: table).latex
            default: text = perRun ? table.markdown : PaperTable(aggregate: table).markdown
            }
            if let out { try DurableFile.write(text, to: out); print("wrote \(out)") } else { print(text, terminator: "") }
        }
    }
}
