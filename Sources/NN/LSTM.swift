import Tensor

/// A PyTorch-compatible LSTM over batch-first input `[B, T, inputSize]`.
///
/// Parameters are PyTorch's (`weight_ih_l0` `[4H, in]`, `weight_hh_l0` `[4H, H]`, `bias_ih_l0`,
/// `bias_hh_l0`, `…_reverse` for the backward direction), gate order (i, f, g, o). The input
/// projection of all time steps is one GEMM; each step adds one GEMM for the hidden projection
/// and one fused cell op. With a `[B, T]` mask (1 = valid step, sequences right-padded), an
/// invalid step carries the state unchanged and outputs zero, so the final state is the state
/// after each sequence's last valid step and the reverse direction starts there.
public final class LSTM: RecurrentLayer {
    public let stack: RecurrentStack
    public let dropout: Dropout?

    public static let gateCount = 4

    public init(stack: RecurrentStack, dropout: Dropout?) {
        precondition(stack.gateCount == Self.gateCount, "an LSTM needs a stack of 4 gates, got \(stack.gateCount)")
        self.stack = stack
        self.dropout = dropout
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor?, interLayerDropout: Dropout?) -> RecurrentOutput {
        stack.run(x, mask: mask, dropout: interLayerDropout) { input, w, reverse in
            let (batch, steps) = (input.shape[0], input.shape[1])
            var gates = matmul(input, w.inputWeight, transposeB: true)  // [B, T, 4H], one GEMM
            switch (w.inputBias, w.hiddenBias) {
            case let (bi?, bh?): gates = gates + (bi + bh)
            case let (bi?, nil): gates = gates + bi
            case let (nil, bh?): gates = gates + bh
            case (nil, nil): break
            }
            var h = Tensor(zeros: [batch, w.hiddenSize]), c = Tensor(zeros: [batch, w.hiddenSize])
            var outputs = [Tensor?](repeating: nil, count: steps)
            for (k, t) in RecurrentStack.order(steps: steps, reverse: reverse).enumerated() {
                // The initial state is zero, so the first step needs no hidden projection.
                let hiddenGates = k == 0 ? nil : matmul(h, w.hiddenWeight, transposeB: true)
                (h, c) = lstmCell(inputGates: gates, step: t, hiddenGates: hiddenGates, hidden: h, cell: c, mask: mask)
                outputs[t] = h
            }
            return (outputs.map { $0! }, h, c)
        }
    }
}
