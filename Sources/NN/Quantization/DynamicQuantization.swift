import Tensor

/// What `quantizeDynamically` converted.
public struct QuantizationSummary: Sendable, Equatable {
    public var linearLayers = 0
    public var convolutionLayers = 0
    /// Weights now held in int8.
    public var weights = 0
}

/// Converts every Linear, Conv2d and Conv1d below `module` to int8 weights for inference (the float
/// weights stay, for `dequantize`). A forward pass through a converted layer records no gradient:
/// call this on a model that only scores from now on.
@discardableResult
public func quantizeDynamically(_ module: any Module) -> QuantizationSummary {
    var summary = QuantizationSummary()
    visitModules(module) { m in
        switch m {
        case let l as Linear:
            l.quantized = Int8Weights(l.weight)
            summary.linearLayers += 1
            summary.weights += l.weight.count
        case let c as Conv2d:
            c.quantized = Int8Weights(c.weight)
            summary.convolutionLayers += 1
            summary.weights += c.weight.count
        case let c as Conv1d:
            c.quantized = Int8Weights(c.weight)
            summary.convolutionLayers += 1
            summary.weights += c.weight.count
        default: break
        }
    }
    return summary
}

/// Undoes `quantizeDynamically`: every layer below `module` computes in float again.
public func dequantize(_ module: any Module) {
    visitModules(module) { m in
        (m as? Linear)?.quantized = nil
        (m as? Conv2d)?.quantized = nil
        (m as? Conv1d)?.quantized = nil
    }
}

/// `module` and every module below it, parents first.
func visitModules(_ module: any Module, _ body: (any Module) -> Void) {
    body(module)
    for (_, child) in module.children { visitModules(child, body) }
}
