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

    public static let gateCount = 3

    public init(stack: RecurrentStack, dropout: Dropout?) {
        precondition(stack.gateCount == Self.gateCount, "a GRU needs a stack of 3 gates, got \(stack.gateCount)")
        self.stack = stack
        self.dropout = dropout
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
