import Tensor

/// A PyTorch-compatible GRU over batch-first input `[B, T, inputSize]`.
///
/// Parameters are PyTorch's (`weight_ih_l0` `[3H, in]`, `weight_hh_l0` `[3H, H]`, `bias_ih_l0`,
/// `bias_hh_l0`, `…_reverse` for the backward direction), gate order (r, z, n) with
/// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`. The input projection of all time steps is
/// one GEMM; each step adds one GEMM for the hidden projection and one fused cell op. With a
/// `[B, T]` mask (1 = valid step, sequences right-padded), an invalid step carries the state
/// unchanged and outputs zero, so the final state is the state after each sequence's last
/// valid step and the reverse direction starts there.
public final class GRU: RecurrentLayer {
    public let stack: RecurrentStack
    public let dropout: Dropout?

    /// - Parameter dropout: applied to each layer's output before the next layer (training only).
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false, bias: Bool = true,
                dropout: Float = 0, generator: inout RandomGenerator) {
        stack = RecurrentStack(gateCount: 3, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
                               bidirectional: bidirectional, bias: bias, generator: &generator)
        self.dropout = dropout > 0 && layers > 1 ? Dropout(probability: dropout, generator: &generator) : nil
    }

    /// Layers of the given sizes, bottom first, named each as its own module (`0.weight_ih_l0`,
    /// `1.weight_ih_l0`, …; see `RecurrentStack.LayerNaming.perLayer`). No dropout of its own:
    /// pass one to `callAsFunction(_:mask:interLayerDropout:)`.
    public init(inputSize: Int, layerSizes: [Int], bidirectional: Bool = false, bias: Bool = true,
                generator: inout RandomGenerator) {
        stack = RecurrentStack(gateCount: 3, inputSize: inputSize, hiddenSizes: layerSizes, bidirectional: bidirectional,
                               bias: bias, naming: .perLayer, generator: &generator)
        dropout = nil
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor?, interLayerDropout: Dropout?) -> RecurrentOutput {
        stack.run(x, mask: mask, dropout: interLayerDropout) { input, w, reverse in
            let (batch, steps) = (input.shape[0], input.shape[1])
            var gates = matmul(input, w.inputWeight, transposeB: true)  // [B, T, 3H], one GEMM
            if let bi = w.inputBias { gates = gates + bi }
            var h = Tensor(zeros: [batch, w.hiddenSize])
            var outputs = [Tensor?](repeating: nil, count: steps)
            for (k, t) in RecurrentStack.order(steps: steps, reverse: reverse).enumerated() {
                // The initial state is zero, so the first step needs no hidden projection.
                let hiddenGates = k == 0 ? nil : matmul(h, w.hiddenWeight, transposeB: true)
                h = gruCell(inputGates: gates, step: t, hiddenGates: hiddenGates, hiddenBias: w.hiddenBias, hidden: h, mask: mask)
                outputs[t] = h
            }
            return (outputs.map { $0! }, h, nil)
        }
    }
}
