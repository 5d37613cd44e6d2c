/// A scalar metric of one split, registered once: its name (in metrics.json, tables and
/// `training.early_stopping.metric`), which direction is better, and how it is read from and
/// written to `SplitMetrics`. metrics.json, `RunRecord`'s tables and early stopping all read
/// the registry, so a new metric is one entry here plus its computation in `Evaluator`.
public struct MetricDefinition: Sendable {
    public var name: String
    public var higherIsBetter: Bool
    /// May be watched on validation to stop early and pick the best epoch (F1 at the max-F1
    /// threshold of that epoch's validation scores).
    public var stopsEarly: Bool
    public var value: @Sendable (SplitMetrics) -> Double?
    public var set: @Sendable (inout SplitMetrics, Double?) -> Void
}

public enum MetricRegistry {
    /// In the order metrics.json and default tables show them.
    public static let scalars: [MetricDefinition] = [
        MetricDefinition(name: "roc_auc", higherIsBetter: true, stopsEarly: true, value: { $0.rocAUC }, set: { $0.rocAUC = $1 }),
        MetricDefinition(name: "average_precision", higherIsBetter: true, stopsEarly: true,
                         value: { $0.averagePrecision }, set: { $0.averagePrecision = $1 }),
        MetricDefinition(name: "f1", higherIsBetter: true, stopsEarly: true, value: { $0.f1 }, set: { $0.f1 = $1 }),
        MetricDefinition(name: "precision", higherIsBetter: true, stopsEarly: false, value: { $0.precision }, set: { $0.precision = $1 }),
        MetricDefinition(name: "recall", higherIsBetter: true, stopsEarly: false, value: { $0.recall }, set: { $0.recall = $1 }),
        MetricDefinition(name: "recall_at_1pct_fpr", higherIsBetter: true, stopsEarly: false,
                         value: { $0.recallAt1PercentFPR }, set: { $0.recallAt1PercentFPR = $1 }),
        MetricDefinition(name: "accuracy", higherIsBetter: true, stopsEarly: false, value: { $0.accuracy }, set: { $0.accuracy = $1 }),
    ]

    /// Shown by `fusionlab table` unless `--metrics` says otherwise (per-type recalls follow).
    public static let tableDefault = ["roc_auc", "average_precision", "f1", "precision", "recall", "recall_at_1pct_fpr"]

    /// What early stopping may watch: the metrics that allow it, and the validation loss.
    public static var earlyStoppingChoices: [String] { scalars.filter(\.stopsEarly).map(\.name) + ["loss"] }

    public static func named(_ name: String) -> MetricDefinition? { scalars.first { $0.name == name } }
}
