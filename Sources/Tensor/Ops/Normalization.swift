import CKernels

/// Layer normalisation over the last dimension, forward and backward fused.
extension Tensor {
    /// `(x − mean) / sqrt(var + eps) · weight + bias` over the last axis (biased variance, as PyTorch).
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let d = shape[rank - 1], rows = count / Swift.max(d, 1)
        if let weight { precondition(weight.shape == [d], "layerNorm weight \(weight.shape) for last dimension \(d)") }
        if let bias { precondition(bias.shape == [d], "layerNorm bias \(bias.shape) for last dimension \(d)") }
        let out = Tensor(uninitializedShape: shape)
        // Backward needs the normalised values and each row's 1/σ: kept, nothing else. Without
        // gradients, the normalised values go through the output's buffer (the same arithmetic).
        let recordsGraph = GradientMode.isEnabled && (requiresGrad || weight?.requiresGrad == true || bias?.requiresGrad == true)
        let xhat = recordsGraph ? Storage(count: count) : out.storage
        let rstd = Storage(count: rows)
        let px = pointer, py = out.pointer, ph = xhat.pointer, pr = rstd.pointer
        let pw = weight?.pointer, pb = bias?.pointer
        parallelChunks(rows, minimumPerThread: 256) { s, e in
            for r in s..<e {
                // Mean and variance summed in 8 lanes (C kernel, the same bits with or without AVX2).
                pr[r] = fl_layer_norm_row(px + r * d, recordsGraph ? ph + r * d : nil, py + r * d, d, pw, pb, eps)
            }
        }
        guard recordsGraph else { return out }
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return out.recording(inputs) { [self] g in
            let pg = g.pointer, ph = xhat.pointer, pr = rstd.pointer
            if let weight, weight.requiresGrad {
                let gw = weight.gradStorage()
                for r in 0..<rows { for j in 0..<d { gw[j] += pg[r * d + j] * ph[r * d + j] } }
            }
            if let bias, bias.requiresGrad {
                let gb = bias.gradStorage()
                for r in 0..<rows { for j in 0..<d { gb[j] += pg[r * d + j] } }
            }
            guard self.requiresGrad else { return }
            let (gx, isNew) = self.gradStorageForAccumulation()
            let pw = weight?.pointer
            // dx = rstd · (dĥ − mean(dĥ) − ĥ · mean(dĥ ⊙ ĥ)), with dĥ = g ⊙ weight
            parallelChunks(rows, minimumPerThread: 256) { s, e in
                for r in s..<e {
                    fl_layer_norm_row_backward(pg + r * d, ph + r * d, pr[r], pw, gx + r * d, d, isNew ? 1 : 0)
                }
            }
        }
    }
}
