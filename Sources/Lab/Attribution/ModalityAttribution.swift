import Foundation
import Datasets
import Models
import Support

/// Which modalities drove the scores, per anomaly type, measured where it means something:
/// the drop in the logit when one modality is masked (one trained model, scored again without
/// it — its consistency heads are skipped with it), the consistency evidence's own share, and
/// the fusion's gates when they are computed before modalities mix. Pooling weights read after
/// cross-modal mixing are not attribution and are not reported here.
public struct ModalityAttribution {
    public struct Row {
        public var anomalyType: String
        public var samples: Int
        public var method: String
        /// By column (`sequence`, …, `consistency`); nil where the method has no value.
        public var values: [Double?]
    }
    public var columns: [String]
    public var rows: [Row]

    /// Compares `full` (the samples already scored with every modality) with the same samples
    /// scored once per masked modality (and once without surprises).
    public static func measure(model: MultimodalModel, builder: BatchBuilder, extra: SampleFeatures?, full: ScoredSamples) throws -> ModalityAttribution {
        let dataset = builder.dataset, samples = full.samples
        var drops: [[Double]] = []   // per column, per sample
        var columns: [String] = []
        for m in model.modalities where model.modalities.count > 1 {
            let masked = try Scorer(model: model, builder: builder, batchSize: 512, extra: extra, masked: [m]).score(samples)
            drops.append(zip(full.logits, masked.logits).map { $0 - $1 })
            columns.append(m.rawValue)
        }
        if model.consistencyEvidence != nil {
            let without = try Scorer(model: model, builder: builder, batchSize: 512, extra: extra, withoutSurprises: true).score(samples)
            drops.append(zip(full.logits, without.logits).map { $0 - $1 })
            columns.append("consistency")
        }
        let gates = model.fusion.weightsAreAttribution ? full.modalityWeights.map { (values: $0, modalities: model.modalities) } : nil
        return summarise(drops: drops, columns: columns, samples: samples, dataset: dataset, method: "masking_logit_drop", gates: gates)
    }

    /// Per anomaly type (and over all samples), the mean drop of each column (`method`), each
    /// sample's absolute drops as shares of their sum (`masking_share`), and the fusion's gates
    /// (`gate`) when given — `values` is `[samples × modalities]`.
    static func summarise(drops: [[Double]], columns: [String], samples: [Int], dataset: PreparedDataset, method: String,
                          shareMethod: String = "masking_share", gates: (values: [Float], modalities: [Modality])?) -> ModalityAttribution {
        let types = samples.map { dataset.anomalyTypes[$0].isEmpty ? "normal" : dataset.anomalyTypes[$0] }
        var rows: [Row] = []
        for type in ["all"] + Array(Set(types)).sorted() {
            let members = types.indices.filter { type == "all" || types[$0] == type }
            guard !members.isEmpty else { continue }
            func mean(_ f: (Int) -> Double) -> Double { members.reduce(0) { $0 + f($1) } / Double(members.count) }
            rows.append(Row(anomalyType: type, samples: members.count, method: method, values: drops.map { d in mean { d[$0] } }))
            // Each sample's absolute drops as shares of their sum: comparable across samples.
            rows.append(Row(anomalyType: type, samples: members.count, method: shareMethod, values: drops.indices.map { c in
                mean { i in
                    let total = drops.reduce(0) { $0 + Swift.abs($1[i]) }
                    return total > 0 ? Swift.abs(drops[c][i]) / total : 0
                }
            }))
            if let gates {
                let m = gates.modalities.count
                rows.append(Row(anomalyType: type, samples: members.count, method: "gate", values: columns.map { name in
                    guard let k = gates.modalities.firstIndex(where: { $0.rawValue == name }) else { return nil }
                    return mean { Double(gates.values[$0 * m + k]) }
                }))
            }
        }
        return ModalityAttribution(columns: columns, rows: rows)
    }

    public var table: CSVTable {
        var t = CSVTable(header: ["anomaly_type", "samples", "method"] + columns)
        for r in rows { t.append([r.anomalyType, String(r.samples), r.method] + r.values.map { CSVTable.number($0) }) }
        return t
    }
}

extension ModalityAttribution {
    /// Modalities, the consistency evidence, then the self-supervised components beside it.
    static let columnOrder = Modality.allCases.map(\.rawValue) + ["consistency", "next_event", "reconstruction", "alignment"]

    /// Mean over runs (seeds, folds) of each run's attribution_by_type.csv, per variant,
    /// anomaly type and method — the study's attribution.csv. Runs without the file are skipped.
    public static func aggregate(_ runs: [(variant: String, directory: String)], order: [String]) throws -> CSVTable? {
        struct Key: Hashable { var variant: String, type: String, method: String }
        var sums: [Key: (count: Int, samples: Double, values: [String: (Double, Int)])] = [:]
        var keys: [Key] = []
        for (variant, directory) in runs {
            guard let run = try read((directory as NSString).appendingPathComponent("attribution_by_type.csv")) else { continue }
            for row in run.rows {
                let key = Key(variant: variant, type: row.anomalyType, method: row.method)
                if sums[key] == nil { keys.append(key); sums[key] = (0, 0, [:]) }
                sums[key]!.count += 1
                sums[key]!.samples += Double(row.samples)
                for (name, value) in zip(run.columns, row.values) {
                    guard let v = value else { continue }
                    let (s, n) = sums[key]!.values[name] ?? (0, 0)
                    sums[key]!.values[name] = (s + v, n + 1)
                }
            }
        }
        guard !keys.isEmpty else { return nil }
        let present = columnOrder.filter { c in sums.values.contains { $0.values[c] != nil } }
        var table = CSVTable(header: ["variant", "anomaly_type", "method", "runs", "samples"] + present)
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        // Variants in the study's order; within one, rows in the order the runs wrote them.
        let ordered = keys.enumerated().sorted { (rank[$0.element.variant] ?? .max, $0.element.variant, $0.offset) < (rank[$1.element.variant] ?? .max, $1.element.variant, $1.offset) }
        for key in ordered.map(\.element) {
            let s = sums[key]!
            table.append([key.variant, key.type, key.method, String(s.count), CSVTable.number(s.samples / Double(s.count))]
                         + present.map { c in s.values[c].map { CSVTable.number($0.0 / Double($0.1)) } ?? "" })
        }
        return table
    }
}
