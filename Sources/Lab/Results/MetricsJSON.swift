import Support

extension SplitMetrics {
    /// Stable key order and full precision; undefined metrics are null.
    public var json: JSONValue {
        func n(_ v: Double?) -> JSONValue { v.map { JSONValue.number($0) } ?? .null }
        return [
            "samples": .number(Double(samples)), "positives": .number(Double(positives)),
            "roc_auc": n(rocAUC), "average_precision": n(averagePrecision), "threshold": n(threshold.isFinite ? threshold : nil),
            "precision": n(precision), "recall": n(recall), "f1": n(f1), "accuracy": n(accuracy),
            "recall_at_1pct_fpr": n(recallAt1PercentFPR),
            "precision_at_k": .object(precisionAtK.sorted { Int($0.key)! < Int($1.key)! }.map { ($0.key, .number($0.value)) }),
            "confusion": ["tp": .number(Double(confusion.truePositives)), "fp": .number(Double(confusion.falsePositives)),
                          "tn": .number(Double(confusion.trueNegatives)), "fn": .number(Double(confusion.falseNegatives))],
            "recall_by_type": .object(recallByType.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) }),
        ]
    }
}
