import NN

/// How a run's weights are held for scoring (`fusionlab score/serve --quantize`).
public enum WeightQuantization: String, CaseIterable, Sendable {
    /// Linear and convolution weights as int8 per output channel, activations quantised per call
    /// (dynamic quantisation, as PyTorch's `quantize_dynamic`). Recurrent cells, embeddings,
    /// norms and attention scores stay float.
    case int8

    /// `int8`, or nil for a name that is not a choice.
    public static func named(_ name: String) -> WeightQuantization? { Self(rawValue: name) }
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Converts `module`'s layers for scoring.
    @discardableResult
    func apply(to module: any Module) -> QuantizationSummary {
        switch self {
        case .int8: quantizeDynamically(module)
        }
    }
}
