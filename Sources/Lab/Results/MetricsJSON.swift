import Support

extension SplitMetrics {
    /// Stable key order and full precision; undefined metrics are null.
    public var json: JSONValue {
        func n(_ v: Double?) -> JSONValue { v.map { JSONValue.number($0) } ?? .null }
        return .object([("samples", .number(Double(samples))), ("positives", .number(Double(positives)))]
                       + MetricRegistry.scalars.map { ($0.name, n($0.value(self))) } + [
            ("threshold", n(threshold.isFinite ? threshold : nil)),
            ("precision_at_k", .object(precisionAtK.sorted { Int($0.key)! < Int($1.key)! }.map { ($0.key, .number($0.value)) })),
            ("confusion", ["tp": .number(Double(confusion.truePositives)), "fp": .number(Double(confusion.falsePositives)),
                           "tn": .number(Double(confusion.trueNegatives)), "fn": .number(Double(confusion.falseNegatives))]),
            ("recall_by_type", .object(recallByType.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
        ])
    }
}

extension SplitMetrics {
    /// Reads back what `json` wrote (a threshold written as null reads as +∞).
    public init?(json: JSONValue) {
        func int(_ key: String) -> Int? { json[key]?.intValue }
        func number(_ key: String) -> Double? { json[key]?.doubleValue }
        guard let samples = int("samples"), let positives = int("positives"), let confusion = json["confusion"],
              let tp = confusion["tp"]?.intValue, let fp = confusion["fp"]?.intValue,
              let tn = confusion["tn"]?.intValue, let fn = confusion["fn"]?.intValue else { return nil }
        var matrix = ConfusionMatrix(scores: [], labels: [], threshold: 0)
        matrix.truePositives = tp; matrix.falsePositives = fp; matrix.trueNegatives = tn; matrix.falseNegatives = fn
        func table(_ key: String) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: (json[key]?.objectPairs ?? []).compactMap { k, v in v.doubleValue.map { (k, $0) } })
        }
        self.init(samples: samples, positives: positives, rocAUC: nil, averagePrecision: nil, threshold: number("threshold") ?? .infinity,
                  precision: nil, recall: nil, f1: nil, accuracy: nil, recallAt1PercentFPR: nil, precisionAtK: table("precision_at_k"),
                  confusion: matrix, recallByType: table("recall_by_type"))
        for metric in MetricRegistry.scalars { metric.set(&self, number(metric.name)) }
    }
}
