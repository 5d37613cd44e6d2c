import Foundation
import Support

/// Scores of one split of one run, from predictions.csv.
struct ScoredSplit {
    var ids: [String] = []
    var scores: [Double] = []
    var labels: [Bool] = []
    var types: [String] = []
}

/// One epoch of history.csv: the losses and every `valid_<metric>` column.
struct EpochRow {
    var epoch: Int
    var trainLoss: Double?
    var validLoss: Double?
    var valid: [String: Double]
}

/// A test sample explained in words: which consistency checks it failed (explanations.csv).
struct ExplainedSample {
    var id: String
    var label: Bool
    var type: String
    var score: Double
    var failedChecks: String
    var explanation: String
}

/// Everything a report shows of one finished run folder, read once.
struct RunArtifacts {
    var directory: String
    var record: RunRecord
    var metrics: JSONValue
    var config: JSONValue?
    var timing: JSONValue?
    var history: [EpochRow]
    var test: ScoredSplit
    var valid: ScoredSplit
    /// Test samples of explanations.csv; nil when the run has no consistency checks.
    var explanations: [ExplainedSample]?
    var attribution: ModalityAttribution?

    var variant: String { record.variant }
    var seed: Int { record.seed }
    var label: String { "seed \(record.seed)" + (record.fold.map { " fold \($0)" } ?? "") }
    /// The threshold chosen on validation and applied to test.
    var threshold: Double? { metrics["test"]?["threshold"]?.doubleValue }
    var bestEpoch: Int? { metrics["best_epoch"]?.intValue }
    var earlyStoppingMetric: String { config?.at("training.early_stopping.metric")?.stringValue ?? "average_precision" }

    static func read(_ directory: String) throws -> RunArtifacts {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let record = try RunRecord.read(directory: directory)
        guard let metrics = try ResultFileError.readJSON(path("metrics.json")) else { throw ResultFileError(path: path("metrics.json"), "missing") }
        var run = RunArtifacts(directory: directory, record: record, metrics: metrics, config: try ResultFileError.readJSON(path("config.json")),
                               timing: try ResultFileError.readJSON(path("timing.json")), history: [], test: ScoredSplit(), valid: ScoredSplit())
        if let h = try CSVRows.read(path("history.csv")) {
            let epoch = try h.require("epoch")
            run.history = h.rows.compactMap { row in
                guard let e = Int(row[epoch]) else { return nil }
                var valid: [String: Double] = [:]
                for (i, name) in h.header.enumerated() where name.hasPrefix("valid_") && name != "valid_loss" { valid[String(name.dropFirst(6))] = Double(row[i]) }
                return EpochRow(epoch: e, trainLoss: h.column("train_loss").flatMap { Double(row[$0]) },
                                validLoss: h.column("valid_loss").flatMap { Double(row[$0]) }, valid: valid)
            }
        }
        if let p = try CSVRows.read(path("predictions.csv")) {
            let (id, split, label, type, score) = (try p.require("sample_id"), try p.require("split"), try p.require("label"),
                                                   try p.require("anomaly_type"), try p.require("score"))
            for row in p.rows {
                guard let s = Double(row[score]) else { continue }
                func add(_ part: inout ScoredSplit) { part.ids.append(row[id]); part.scores.append(s); part.labels.append(row[label] == "1"); part.types.append(row[type]) }
                if row[split] == "test" { add(&run.test) } else if row[split] == "valid" { add(&run.valid) }
            }
        }
        if let e = try CSVRows.read(path("explanations.csv")) {
            let (id, split, label, type, score) = (try e.require("sample_id"), try e.require("split"), try e.require("label"),
                                                   try e.require("anomaly_type"), try e.require("score"))
            let checks = e.column("failed_checks"), words = e.column("explanation")
            run.explanations = e.rows.filter { $0[split] == "test" }.map { row in
                ExplainedSample(id: row[id], label: row[label] == "1", type: row[type], score: Double(row[score]) ?? 0,
                                failedChecks: checks.map { row[$0] } ?? "", explanation: words.map { row[$0] } ?? "")
            }
        }
        run.attribution = try ModalityAttribution.read(path("attribution_by_type.csv"))
        return run
    }
}

extension ModalityAttribution {
    /// A run's attribution_by_type.csv read back; nil when the run has none.
    static func read(_ path: String) throws -> ModalityAttribution? {
        guard let t = try CSVRows.read(path) else { return nil }
        guard t.header.starts(with: ["anomaly_type", "samples", "method"]) else {
            throw ResultFileError(path: path, line: 1, "expected a header starting anomaly_type,samples,method")
        }
        return ModalityAttribution(columns: Array(t.header.dropFirst(3)), rows: try t.rows.enumerated().map { k, r in
            guard let samples = Int(r[1]) else { throw ResultFileError(path: path, line: k + 2, "samples is not a count: \(r[1])") }
            return Row(anomalyType: r[0], samples: samples, method: r[2], values: r.dropFirst(3).map { Double($0) })
        })
    }
}
