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
                let x = px + r * d, y = py + r * d, h = ph + r * d
                var mean: Float = 0
                for j in 0..<d { mean += x[j] }
                mean /= Float(d)
                var v: Float = 0
                for j in 0..<d { let c = x[j] - mean; v += c * c }
                let rs = 1 / (v / Float(d) + eps).squareRoot()
                pr[r] = rs
                for j in 0..<d { h[j] = (x[j] - mean) * rs }
                // Specialised so each loop vectorises (an optional per element does not).
                if let pw, let pb {
                    for j in 0..<d { y[j] = h[j] * pw[j] + pb[j] }
                } else {
                    for j in 0..<d { y[j] = h[j] * (pw?[j] ?? 1) + (pb?[j] ?? 0) }
                }
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
                    let gr = pg + r * d, h = ph + r * d, dx = gx + r * d
                    var m1: Float = 0, m2: Float = 0
                    let rs = pr[r]
                    if let pw {
                        for j in 0..<d { let dh = gr[j] * pw[j]; m1 += dh; m2 += dh * h[j] }
                        m1 /= Float(d); m2 /= Float(d)
                        if isNew {
                            for j in 0..<d { dx[j] = rs * (gr[j] * pw[j] - m1 - h[j] * m2) }
                        } else {
                            for j in 0..<d { dx[j] += rs * (gr[j] * pw[j] - m1 - h[j] * m2) }
                        }
                    } else {
                        for j in 0..<d { let dh = gr[j]; m1 += dh; m2 += dh * h[j] }
                        m1 /= Float(d); m2 /= Float(d)
                        if isNew {
                            for j in 0..<d { dx[j] = rs * (gr[j] - m1 - h[j] * m2) }
                        } else {
                            for j in 0..<d { dx[j] += rs * (gr[j] - m1 - h[j] * m2) }
                        }
                    }
                }
            }
        }
    }
}
