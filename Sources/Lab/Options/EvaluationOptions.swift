/// The `evaluation` section, decoded once.
public struct EvaluationOptions: Codable, Sendable, Hashable {
    /// `max_f1` or `fpr`: how the decision threshold is chosen on validation.
    public var threshold: String
    public var targetFpr: Double
    public var precisionAtK: [Int]
    public var explanationQuantile: Double

    public var thresholdRule: ThresholdRule { threshold == "fpr" ? .falsePositiveRate(targetFpr) : .maxF1 }
}
