import Foundation
import Support

/// One run's metrics as read back from its metrics.json, flattened to named scalars
/// (`roc_auc`, `precision_at_10`, `recall_click_farming`, …) for tables.
public struct RunRecord: Sendable {
    public var directory: String
    public var variant: String
    public var seed: Int
    public var fold: Int?
    public var test: [String: Double?]
    /// The validation metrics (empty for rows read from a summary.csv, which holds test only).
    public var valid: [String: Double?] = [:]

    public static func read(directory: String) throws -> RunRecord {
        let path = (directory as NSString).appendingPathComponent("metrics.json")
        guard let json = try ResultFileError.readJSON(path) else {
            throw ResultFileError(path: path, "missing (is \(directory) a finished run folder?)")
        }
        guard let variant = json["variant"]?.stringValue, let seed = json["seed"]?.intValue, let test = json["test"] else {
            throw ResultFileError(path: path, "lacks variant, seed or test metrics")
        }
        return RunRecord(directory: directory, variant: variant, seed: seed, fold: json["fold"]?.intValue, test: flatten(test),
                         valid: json["valid"].map(flatten) ?? [:])
    }

    static func flatten(_ m: JSONValue) -> [String: Double?] {
        var out: [String: Double?] = [:]
        for key in MetricRegistry.scalars.map(\.name) + ["threshold"] { out[key] = .some(m[key]?.doubleValue) }
        for (k, v) in m["precision_at_k"]?.objectPairs ?? [] { out["precision_at_\(k)"] = .some(v.doubleValue) }
        for (k, v) in m["recall_by_type"]?.objectPairs ?? [] { out["recall_\(k)"] = .some(v.doubleValue) }
        return out
    }

    /// The rows of a per-run table in summary.csv's format (`variant,seed,fold,<metric>…`), as
    /// written by studies — or by an outside baseline such as Benchmarks/hist_gradient_boosting.py —
    /// so published tables can put both side by side.
    public static func readSummary(path: String) throws -> [RunRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ResultFileError(path: path, "cannot read the file") }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              header.starts(with: ["variant", "seed", "fold"]) else {
            throw ResultFileError(path: path, line: 1, "expected a header starting variant,seed,fold (a summary.csv)")
        }
        return try lines.dropFirst().enumerated().map { (k, line) in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == header.count, let seed = Int(fields[1]) else {
                throw ResultFileError(path: path, line: k + 2, "expected \(header.count) fields with a whole-number seed, found \(fields.count)")
            }
            var test: [String: Double?] = [:]
            for (name, value) in zip(header.dropFirst(3), fields.dropFirst(3)) {
                if value.isEmpty { test[name] = .some(nil); continue }
                guard let v = Double(value) else {
                    throw ResultFileError(path: path, line: k + 2, "column \(name): \"\(value)\" is not a number")
                }
                test[name] = .some(v)
            }
            return RunRecord(directory: path, variant: fields[0], seed: seed, fold: Int(fields[2]), test: test)
        }
    }

    /// Every complete run folder below `root` (one holding `RunFolder.marker`), sorted; and the
    /// incomplete ones — unpublished staging folders, or folders with a config or metrics but no
    /// marker — with why, for the caller to report.
    public static func findRuns(under root: String) -> (complete: [String], incomplete: [(folder: String, why: String)]) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return ([], []) }
        var complete: [String] = [], incomplete: [(String, String)] = []
        var seen = Set<String>()
        while let entry = walker.nextObject() as? String {
            let name = (entry as NSString).lastPathComponent
            let folder = (root as NSString).appendingPathComponent((entry as NSString).deletingLastPathComponent)
            if name.hasPrefix(".") && name.hasSuffix(".partial") {
                walker.skipDescendants()
                incomplete.append(((root as NSString).appendingPathComponent(entry), "an unfinished run (failed, killed or still running)"))
                continue
            }
            guard ["config.json", "metrics.json", RunFolder.marker].contains(name), seen.insert(folder).inserted else { continue }
            if RunFolder.isComplete(folder) { complete.append(folder) }
            else { incomplete.append((folder, "no \(RunFolder.marker): unfinished, or written before FusionLab recorded completion")) }
        }
        return (complete.sorted(), incomplete.sorted { $0.0 < $1.0 })
    }
}

public enum ResultTables {
    /// The metrics shown by default, in order; per-type recalls follow.
    public static let defaultMetrics = MetricRegistry.tableDefault

    static func columns(_ records: [RunRecord], metrics: [String]?) -> [String] {
        if let metrics { return metrics }
        let types = Set(records.flatMap { $0.test.keys.filter { $0.hasPrefix("recall_") && $0 != "recall_at_1pct_fpr" } }).sorted()
        return defaultMetrics + types
    }

    /// Every metric these runs have, in table order: the registry's, precision@k by k, then
    /// per-type recall by type.
    public static func availableMetrics(_ records: [RunRecord]) -> [String] {
        let keys = Set(records.flatMap { $0.test.keys })
        let scalars = MetricRegistry.scalars.map(\.name).filter(keys.contains)
        let atK = keys.filter { $0.hasPrefix("precision_at_") }.sorted { (Int($0.dropFirst(13)) ?? 0) < (Int($1.dropFirst(13)) ?? 0) }
        let types = keys.filter { $0.hasPrefix("recall_") && !scalars.contains($0) }.sorted()
        return scalars + atK + types
    }

    /// A row per run: variant, seed, fold, then each metric (empty where undefined).
    public static func perRun(_ records: [RunRecord], metrics: [String]? = nil) -> CSVTable {
        let cols = columns(records, metrics: metrics)
        var t = CSVTable(header: ["variant", "seed", "fold"] + cols)
        for r in records.sorted(by: { ($0.variant, $0.seed, $0.fold ?? -1) < ($1.variant, $1.seed, $1.fold ?? -1) }) {
            t.append([r.variant, String(r.seed), r.fold.map(String.init) ?? ""] + cols.map { CSVTable.number(r.test[$0] ?? nil) })
        }
        return t
    }

    /// A row per variant: the run count, then each metric's mean and sample standard deviation
    /// (n − 1) over seeds and folds; undefined values are left out of both.
    public static func aggregate(_ records: [RunRecord], metrics: [String]? = nil, order: [String]? = nil) -> CSVTable {
        let cols = columns(records, metrics: metrics)
        var t = CSVTable(header: ["variant", "runs"] + cols.flatMap { ["\($0)_mean", "\($0)_std"] })
        let variants = order ?? Array(Set(records.map(\.variant))).sorted()
        for v in variants {
            let group = records.filter { $0.variant == v }
            guard !group.isEmpty else { continue }
            var row = [v, String(group.count)]
            for c in cols {
                let values = group.compactMap { $0.test[c] ?? nil }
                let (mean, std) = meanAndStd(values)
                row += [CSVTable.number(mean), CSVTable.number(std)]
            }
            t.append(row)
        }
        return t
    }

    public static func meanAndStd(_ values: [Double]) -> (Double?, Double?) {
        guard !values.isEmpty else { return (nil, nil) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, nil) }
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        return (mean, variance.squareRoot())
    }

    /// "0.912 ± 0.013" cells for reading in a terminal or README.
    public static func readable(_ table: CSVTable) -> CSVTable {
        var header = ["variant", "runs"]
        var pairs: [(Int, Int)] = []
        for (i, h) in table.header.enumerated() where h.hasSuffix("_mean") {
            header.append(String(h.dropLast(5)))
            pairs.append((i, i + 1))
        }
        var out = CSVTable(header: header)
        for row in table.rows {
            out.append([row[0], row[1]] + pairs.map { m, s in
                guard let mean = Double(row[m]) else { return "undefined" }
                return String(format: "%.3f", mean) + (Double(row[s]).map { String(format: " ± %.3f", $0) } ?? "")
            })
        }
        return out
    }
}
