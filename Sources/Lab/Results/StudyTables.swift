import Foundation
import Datasets
import Support

/// How a study's tables are made from its runs: summary.csv (a row per run), the aggregate
/// table (a row per variant or modality set: mean and std over seeds and folds) — ablation.csv
/// when ablating, table.csv otherwise — with `select` the `selected` row and selection.csv,
/// attribution.csv and ablation-masked.csv. A pure function of the run folders' metrics.json
/// and the plan, so a single process and merged shards write the same bytes.
public struct StudyTables: Sendable, Equatable {
    /// The experiment folder the tables go to.
    public var directory: String
    /// The table's rows, in order (before `selected`).
    public var order: [String]
    /// table.csv, or ablation.csv for a modality ablation.
    public var file: String
    /// Model selection over the rows on validation (`select`, with more than one row).
    public var selection: ModelSelection?
    /// The full model's modalities (the rows of ablation-masked.csv).
    public var modalities: [Modality]

    public init(directory: String, order: [String], file: String, selection: ModelSelection?, modalities: [Modality]) {
        self.directory = directory; self.order = order; self.file = file
        self.selection = order.count > 1 ? selection : nil
        self.modalities = modalities
    }

    /// The per-run records of `results` with, under `select`, the chosen runs relabelled
    /// `selected`; the table's row order; and the choices.
    public func records(_ results: [RunResult]) throws -> (records: [RunRecord], order: [String], choices: [ModelSelection.Choice]?) {
        var records = try results.map { try RunRecord.read(directory: $0.directory) }
        guard let selection else { return (records, order, nil) }
        let (choices, selected) = selection.select(records, order: order)
        records += selected
        return (records, order + ["selected"], choices)
    }

    /// Writes every table of the study, each atomically.
    public func write(_ results: [RunResult], reporter: (String) -> Void) throws -> Study.Outcome {
        let (records, order, choices) = try records(results)
        var mostOftenSelected: String?
        if let selection, let choices {
            mostOftenSelected = selection.mostOftenSelected(choices, order: self.order)
            try selection.table(choices, order: self.order).write(to: path("selection.csv"))
            let counts = Dictionary(grouping: choices, by: \.variant).map { "\($0.key) \($0.value.count)" }.sorted()
            reporter("selected on validation \(selection.metric), per seed: \(counts.joined(separator: ", ")) (selection.csv)")
        }
        let summaryPath = path("summary.csv")
        try ResultTables.perRun(records).write(to: summaryPath)
        let table = ResultTables.aggregate(records, order: order)
        let tablePath = path(file)
        try table.write(to: tablePath)
        // Attribution per anomaly type, averaged over seeds (keeps rows in the table's order).
        if let attribution = try ModalityAttribution.aggregate(results.map { ($0.variant, $0.directory) }, order: order) {
            try attribution.write(to: path("attribution.csv"))
        }
        var maskedPath: String?
        let maskedResults = results.filter { !$0.maskedTest.isEmpty }
        if !maskedResults.isEmpty {
            // One trained full model per seed, scored with each modality masked.
            var records: [RunRecord] = []
            for r in maskedResults {
                for (m, metrics) in r.maskedTest {
                    records.append(RunRecord(directory: r.directory, variant: "full, \(m.rawValue) masked", seed: r.seed, fold: r.fold,
                                             test: RunRecord.flatten(metrics.json)))
                }
                records.append(RunRecord(directory: r.directory, variant: "full", seed: r.seed, fold: r.fold, test: RunRecord.flatten(r.test.json)))
            }
            let variants = ["full"] + modalities.map { "full, \($0.rawValue) masked" }
            maskedPath = path("ablation-masked.csv")
            try ResultTables.aggregate(records, order: variants).write(to: maskedPath!)
        }
        return Study.Outcome(results: results, summaryPath: summaryPath, tablePath: tablePath, table: table, maskedTablePath: maskedPath,
                             mostOftenSelected: mostOftenSelected)
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
}
