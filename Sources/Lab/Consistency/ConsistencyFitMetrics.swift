import Datasets
import Support

extension ConsistencyFit {
    /// Each head in metrics.json: what it predicts, how well it knows its target on the held-out
    /// folds (gain, ROC-AUC), whether the final model's evidence reads it, and how well its surprise alone ranks
    /// anomalies (ROC-AUC over the samples it judged, overall and per anomaly type).
    func metricsJSON(dataset: PreparedDataset, valid: [Int], test: [Int], evidenceReads: Set<Int> = []) -> JSONValue {
        let fit = self
        let columns = fit.columns
        return .object(fit.raw.heads.indices.map { j in
            func auc(_ samples: [Int]) -> JSONValue {
                let judged = samples.filter { fit.raw.value(sample: $0, head: j) != nil }
                let curve = RankingCurve(scores: judged.map { Double(fit.raw.value(sample: $0, head: j)!) }, labels: judged.map { dataset.labels[$0] == 1 })
                return curve.rocAUC.map { .number($0) } ?? .null
            }
            // Per anomaly type: that type against the normal samples (which check catches what).
            let types = Set(test.map { dataset.anomalyTypes[$0] }.filter { !$0.isEmpty }).sorted()
            let byType: [(String, JSONValue)] = types.map { type in
                (type, auc(test.filter { dataset.anomalyTypes[$0] == type || dataset.labels[$0] == 0 }))
            }
            func measured(_ values: [Double?]) -> JSONValue { (j < values.count ? values[j] : nil).map { JSONValue.number($0) } ?? .null }
            // A per-event head's two columns say which aggregate of its events' surprises they are.
            let aggregate: [(String, JSONValue)] = columns[j].aggregate == .sample ? [] : [("aggregate", .string(columns[j].aggregate.rawValue))]
            return (fit.raw.heads[j], .object([("predicts", .string(fit.specs[columns[j].head].target.path))] + aggregate + [("heldout_gain_nats", measured(fit.heldOutGains)),
                                                ("heldout_target_roc_auc", measured(fit.heldOutTargetROCAUCs)),
                                                ("in_evidence", .bool(evidenceReads.contains(j))), ("valid_roc_auc", auc(valid)),
                                                ("test_roc_auc", auc(test)), ("test_roc_auc_by_type", .object(byType))]))
        })
    }
}
