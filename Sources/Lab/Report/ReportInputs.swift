import Foundation
import Support

/// The runs a report covers, grouped by variant in the study's order: a study folder's every
/// complete run, or a single run folder.
struct ReportInputs {
    var directory: String
    var isSingleRun: Bool
    var title: String
    var description: String?
    var variants: [String]
    var runs: [String: [RunArtifacts]]
    /// Run folders left out because they are unfinished, with why.
    var skipped: [(folder: String, why: String)]

    func runs(_ variant: String) -> [RunArtifacts] { runs[variant] ?? [] }
    var allRuns: [RunArtifacts] { variants.flatMap { runs($0) } }
    var records: [RunRecord] { allRuns.map(\.record) }
    var hasSeeds: Bool { variants.contains { runs($0).count > 1 } }

    static func read(_ directory: String) throws -> ReportInputs {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ResultFileError(path: directory, "no such folder (give a study folder such as Results/default, or one of its run folders)")
        }
        if RunFolder.isComplete(directory) {
            let run = try RunArtifacts.read(directory)
            let name = run.metrics["experiment"]?.stringValue ?? "run"
            return ReportInputs(directory: directory, isSingleRun: true, title: "\(name) / \(run.variant) / \(run.label)",
                                description: run.config?["description"]?.stringValue, variants: [run.variant], runs: [run.variant: [run]], skipped: [])
        }
        let found = RunRecord.findRuns(under: directory)
        guard !found.complete.isEmpty else {
            throw ResultFileError(path: directory, "no complete run folders (with \(RunFolder.marker)) below it"
                                  + (found.incomplete.isEmpty ? "; is this a study's results folder?" : "; \(found.incomplete.count) unfinished"))
        }
        let runs = try found.complete.map(RunArtifacts.read)
        var grouped: [String: [RunArtifacts]] = [:]
        for r in runs { grouped[r.variant, default: []].append(r) }
        for v in grouped.keys { grouped[v]!.sort { ($0.seed, $0.record.fold ?? -1) < ($1.seed, $1.record.fold ?? -1) } }
        let order = studyOrder(directory) ?? runs.map(\.variant)
        var variants: [String] = []
        for v in order + runs.map(\.variant) where grouped[v] != nil && !variants.contains(v) { variants.append(v) }
        let first = runs.first
        return ReportInputs(directory: directory, isSingleRun: false,
                            title: first?.metrics["experiment"]?.stringValue ?? (directory as NSString).lastPathComponent,
                            description: first?.config?["description"]?.stringValue, variants: variants, runs: grouped, skipped: found.incomplete)
    }

    /// The variant order of the study's own table (table.csv or ablation.csv): the config's order.
    static func studyOrder(_ directory: String) -> [String]? {
        for name in ["table.csv", "ablation.csv"] {
            if let t = try? CSVRows.read((directory as NSString).appendingPathComponent(name)), t.header.first == "variant" {
                return t.rows.map { $0[0] }
            }
        }
        return nil
    }

    /// Whether the study is a modality ablation (an ablation.csv beside the runs).
    var isAblation: Bool { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("ablation.csv")) }
}
