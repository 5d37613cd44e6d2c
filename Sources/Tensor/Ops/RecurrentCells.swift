#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fused LSTM and GRU cell steps: the whole per-step gate math in one forward loop and one
/// backward loop, instead of a dozen small broadcasting ops per time step.
///
/// Both cells read the input projection of every time step from one `[B, T, G]` tensor
/// (computed for all steps in a single GEMM) at column `step`, so no per-step slice is copied;
/// their backward adds into that step's slot of its gradient. A `[B, T]` mask (nonzero = valid)
/// makes a row whose step is invalid carry its state unchanged.

@inline(__always) private func sigmoidf(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Checks the shared shape contract and returns (batch, steps, hidden).
private func cellShapes(inputGates: Tensor, step: Int, gateCount: Int, hiddenGates: Tensor?, hidden: Tensor,
                        mask: Tensor?) -> (batch: Int, steps: Int, hidden: Int) {
    precondition(inputGates.rank == 2 || inputGates.rank == 3, "cell input gates must be [B, G] or [B, T, G], got \(inputGates.shape)")
    let batch = inputGates.shape[0]
    let steps = inputGates.rank == 3 ? inputGates.shape[1] : 1
    let g = inputGates.shape[inputGates.rank - 1]
    precondition(g % gateCount == 0, "cell input gates width \(g) is not \(gateCount) × hidden")
    let h = g / gateCount
    precondition(step >= 0 && step < steps, "step \(step) outside \(steps) time steps")
    precondition(hidden.shape == [batch, h], "cell hidden state \(hidden.shape), expected \([batch, h])")
    if let hiddenGates { precondition(hiddenGates.shape == [batch, g], "cell hidden gates \(hiddenGates.shape), expected \([batch, g])") }
    if let mask { precondition(mask.shape == [batch, steps], "cell mask \(mask.shape), expected \([batch, steps])") }
    return (batch, steps, h)
}

/// One LSTM step with PyTorch's gate order (i, f, g, o):
/// `c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)`, `h' = σ(o) ⊙ tanh(c')`, where the pre-activations are
/// `inputGates[:, step] + hiddenGates` (both biases belong in `inputGates`).
///
/// - Parameters:
///   - inputGates: `[B, T, 4H]` (or `[B, 4H]` with `step` 0): `x·W_ihᵀ + b_ih + b_hh`.
///   - hiddenGates: `[B, 4H]` = `h·W_hhᵀ`, or nil when the previous hidden state is zero.
///   - hidden, cell: the previous state `[B, H]`.
///   - mask: `[B, T]`; where `mask[b, step] == 0` the row's state passes through unchanged.
public func lstmCell(inputGates: Tensor, step: Int, hiddenGates: Tensor?, hidden: Tensor, cell: Tensor,
                     mask: Tensor? = nil) -> (hidden: Tensor, cell: Tensor) {
    let (batch, steps, h) = cellShapes(inputGates: inputGates, step: step, gateCount: 4, hiddenGates: hiddenGates,
                                       hidden: hidden, mask: mask)
    precondition(cell.shape == [batch, h], "LSTM cell state \(cell.shape), expected \([batch, h])")
    let g = 4 * h
    let newHidden = Tensor(uninitializedShape: [batch, h])
    let newCell = Tensor(uninitializedShape: [batch, h])
    // Saved for backward: activated gates (i, f, g, o) and tanh(c') per row.
    let saved = Storage(count: batch * 5 * h)
    let px = inputGates.pointer, ph = hiddenGates?.pointer, pm = mask?.pointer
    let hPrev = hidden.pointer, cPrev = cell.pointer
    let hOut = newHidden.pointer, cOut = newCell.pointer, ps = saved.pointer
    for b in 0..<batch {
        let hp = hPrev + b * h, cp = cPrev + b * h, ho = hOut + b * h, co = cOut + b * h
        if let pm, pm[b * steps + step] == 0 {
            ho.update(from: hp, count: h)
            co.update(from: cp, count: h)
            continue
        }
        let x = px + (b * steps + step) * g, s = ps + b * 5 * h
        s.update(from: x, count: g)
        if let ph { let hg = ph + b * g; for j in 0..<g { s[j] += hg[j] } }
        for j in 0..<h {
            let i = sigmoidf(s[j]), f = sigmoidf(s[h + j]), gg = tanhf(s[2 * h + j]), o = sigmoidf(s[3 * h + j])
            let c = f * cp[j] + i * gg
            let tc = tanhf(c)
            s[j] = i; s[h + j] = f; s[2 * h + j] = gg; s[3 * h + j] = o; s[4 * h + j] = tc
            co[j] = c
            ho[j] = o * tc
        }
    }

    let inputs = [inputGates, hidden, cell] + (hiddenGates.map { [$0] } ?? [])
    /// Sends `dc` (a gradient on c') back to the gates and the previous cell state, and `dh`
    /// (a gradient on h', nil for the cell output) through the output gate first.
    func backward(_ dh: UnsafePointer<Float>?, _ dcIn: UnsafePointer<Float>?) {
        let gx = inputGates.requiresGrad ? inputGates.gradStorage() : nil
        let gh = hiddenGates.flatMap { $0.requiresGrad ? $0.gradStorage() : nil }
        let ghPrev = hidden.requiresGrad ? hidden.gradStorage() : nil
        let gcPrev = cell.requiresGrad ? cell.gradStorage() : nil
        let ps = saved.pointer, pm = mask?.pointer, cPrev = cell.pointer
        for b in 0..<batch {
            let row = b * h
            if let pm, pm[b * steps + step] == 0 {
                // State carried: h' = h, c' = c.
                if let dh, let ghPrev { for j in 0..<h { ghPrev[row + j] += dh[row + j] } }
                if let dcIn, let gcPrev { for j in 0..<h { gcPrev[row + j] += dcIn[row + j] } }
                continue
            }
            let s = ps + b * 5 * h, cp = cPrev + row
            let gxRow = gx.map { $0 + (b * steps + step) * g }, ghRow = gh.map { $0 + b * g }
            for j in 0..<h {
                let i = s[j], f = s[h + j], gg = s[2 * h + j], o = s[3 * h + j], tc = s[4 * h + j]
                var dc: Float = dcIn?[row + j] ?? 0
                var dO: Float = 0
                if let dh {
                    let d = dh[row + j]
                    dc += d * o * (1 - tc * tc)
                    dO = d * tc * o * (1 - o)
                }
                let dI = dc * gg * i * (1 - i)
                let dF = dc * cp[j] * f * (1 - f)
                let dG = dc * i * (1 - gg * gg)
                if let gxRow { gxRow[j] += dI; gxRow[h + j] += dF; gxRow[2 * h + j] += dG; gxRow[3 * h + j] += dO }
                if let ghRow { ghRow[j] += dI; ghRow[h + j] += dF; ghRow[2 * h + j] += dG; ghRow[3 * h + j] += dO }
                gcPrev?[row + j] += dc * f
            }
        }
    }
    // Two outputs, two nodes: each sends back only its own gradient (the math is linear in it).
    let hOutput = newHidden.recording(inputs) { g in backward(g.pointer, nil) }
    let cOutput = newCell.recording(inputs) { g in backward(nil, g.pointer) }
    return (hOutput, cOutput)
}

/// One GRU step with PyTorch's gate order (r, z, n):
/// `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`, `n = tanh(x_n + r ⊙ h_n)`, `h' = (1 − z) ⊙ n + z ⊙ h`,
/// where `x = inputGates[:, step]` (`x·W_ihᵀ + b_ih`) and `h_* = hiddenGates + hiddenBias`
/// (`h·W_hhᵀ + b_hh`); `b_hh` stays separate because r multiplies its n-part.
///
/// - Parameters:
///   - inputGates: `[B, T, 3H]` (or `[B, 3H]` with `step` 0).
///   - hiddenGates: `[B, 3H]` = `h·W_hhᵀ`, or nil when the previous hidden state is zero.
///   - hiddenBias: `[3H]` = `b_hh`, or nil.
///   - hidden: the previous state `[B, H]`.
///   - mask: `[B, T]`; where `mask[b, step] == 0` the row's state passes through unchanged.
public func gruCell(inputGates: Tensor, step: Int, hiddenGates: Tensor?, hiddenBias: Tensor?, hidden: Tensor,
                    mask: Tensor? = nil) -> Tensor {
    let (batch, steps, h) = cellShapes(inputGates: inputGates, step: step, gateCount: 3, hiddenGates: hiddenGates,
                                       hidden: hidden, mask: mask)
    let g = 3 * h
    if let hiddenBias { precondition(hiddenBias.shape == [g], "GRU hidden bias \(hiddenBias.shape), expected \([g])") }
    let out = Tensor(uninitializedShape: [batch, h])
    // Saved for backward per row: r, z, n and the n-part of the hidden projection.
    let saved = Storage(count: batch * 4 * h)
    let px = inputGates.pointer, ph = hiddenGates?.pointer, pbias = hiddenBias?.pointer, pm = mask?.pointer
    let hPrev = hidden.pointer, po = out.pointer, ps = saved.pointer
    for b in 0..<batch {
        let hp = hPrev + b * h, ho = po + b * h
        if let pm, pm[b * steps + step] == 0 {
            ho.update(from: hp, count: h)
            continue
        }
        let x = px + (b * steps + step) * g, s = ps + b * 4 * h
        // The hidden projection plus bias, r/z/n parts, goes into s first (hn stays at 3h…4h).
        if let ph { s.update(from: ph + b * g, count: g) } else { s.update(repeating: 0, count: g) }
        if let pbias { for j in 0..<g { s[j] += pbias[j] } }
        (s + 3 * h).update(from: s + 2 * h, count: h)
        for j in 0..<h {
            let r = sigmoidf(x[j] + s[j])
            let z = sigmoidf(x[h + j] + s[h + j])
            let hn = s[3 * h + j]
            let n = tanhf(x[2 * h + j] + r * hn)
            s[j] = r; s[h + j] = z; s[2 * h + j] = n; s[3 * h + j] = hn
            ho[j] = (1 - z) * n + z * hp[j]
        }
    }
    var inputs = [inputGates, hidden]
    if let hiddenGates { inputs.append(hiddenGates) }
    if let hiddenBias { inputs.append(hiddenBias) }
    return out.recording(inputs) { grad in
        let dh = grad.pointer, ps = saved.pointer, pm = mask?.pointer, hPrev = hidden.pointer
        let gx = inputGates.requiresGrad ? inputGates.gradStorage() : nil
        let gh = hiddenGates.flatMap { $0.requiresGrad ? $0.gradStorage() : nil }
        let gbias = hiddenBias.flatMap { $0.requiresGrad ? $0.gradStorage() : nil }
        let ghPrev = hidden.requiresGrad ? hidden.gradStorage() : nil
        for b in 0..<batch {
            let row = b * h
            if let pm, pm[b * steps + step] == 0 {
                if let ghPrev { for j in 0..<h { ghPrev[row + j] += dh[row + j] } }
                continue
            }
            let s = ps + b * 4 * h, hp = hPrev + row
            let gxRow = gx.map { $0 + (b * steps + step) * g }, ghRow = gh.map { $0 + b * g }
            for j in 0..<h {
                let r = s[j], z = s[h + j], n = s[2 * h + j], hn = s[3 * h + j]
                let d = dh[row + j]
                let dAn = d * (1 - z) * (1 - n * n)       // into the n pre-activation
                let dAz = d * (hp[j] - n) * z * (1 - z)    // into the z pre-activation
                let dAr = dAn * hn * r * (1 - r)           // into the r pre-activation
                let dHn = dAn * r                          // into the hidden n-part
                if let gxRow { gxRow[j] += dAr; gxRow[h + j] += dAz; gxRow[2 * h + j] += dAn }
                if let ghRow { ghRow[j] += dAr; ghRow[h + j] += dAz; ghRow[2 * h + j] += dHn }
                if let gbias { gbias[j] += dAr; gbias[h + j] += dAz; gbias[2 * h + j] += dHn }
                ghPrev?[row + j] += d * z
            }
        }
    }
}
