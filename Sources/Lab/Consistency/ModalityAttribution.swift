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

    /// Scores `samples` once in full and once per masked modality (and without surprises).
    public static func measure(model: MultimodalModel, builder: BatchBuilder, samples: [Int]) throws -> ModalityAttribution {
        let dataset = builder.dataset
        let full = try Scorer(model: model, builder: builder, batchSize: 512).score(samples)
        var drops: [[Double]] = []   // per column, per sample
        var columns: [String] = []
        for m in model.modalities where model.modalities.count > 1 {
            let masked = try Scorer(model: model, builder: builder, batchSize: 512, masked: [m]).score(samples)
            drops.append(zip(full.logits, masked.logits).map { $0 - $1 })
            columns.append(m.rawValue)
        }
        if model.consistencyEvidence != nil {
            let without = try Scorer(model: model, builder: builder, batchSize: 512, withoutSurprises: true).score(samples)
            drops.append(zip(full.logits, without.logits).map { $0 - $1 })
            columns.append("consistency")
        }
        let gates = model.fusion.weightsAreAttribution ? full.modalityWeights : nil
        let types = samples.map { dataset.anomalyTypes[$0].isEmpty ? "normal" : dataset.anomalyTypes[$0] }
        var rows: [Row] = []
        for type in ["all"] + Array(Set(types)).sorted() {
            let members = types.indices.filter { type == "all" || types[$0] == type }
            guard !members.isEmpty else { continue }
            func mean(_ f: (Int) -> Double) -> Double { members.reduce(0) { $0 + f($1) } / Double(members.count) }
            rows.append(Row(anomalyType: type, samples: members.count, method: "masking_logit_drop",
                            values: drops.map { d in mean { d[$0] } }))
            // Each sample's absolute drops as shares of their sum: comparable across samples.
            rows.append(Row(anomalyType: type, samples: members.count, method: "masking_share", values: drops.indices.map { c in
                mean { i in
                    let total = drops.reduce(0) { $0 + Swift.abs($1[i]) }
                    return total > 0 ? Swift.abs(drops[c][i]) / total : 0
                }
            }))
            if let gates {
                let m = model.modalities.count
                rows.append(Row(anomalyType: type, samples: members.count, method: "gate", values: columns.map { name in
                    guard let k = model.modalities.firstIndex(where: { $0.rawValue == name }) else { return nil }
                    return mean { Double(gates[$0 * m + k]) }
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
