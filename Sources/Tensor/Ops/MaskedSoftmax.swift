#if canImport(Glibc)
import Glibc
#endif

/// Softmax over the last axis, optionally with positions excluded by a per-batch key mask —
/// attention's `scores.maskedFill(mask, −∞).softmax(-1)` in one pass, with the same values.
extension Tensor {
    /// Softmax over the last axis of `[B, …, L]`; `keyMask` `[B, L]` (nonzero = excluded) applies
    /// to every row of batch entry b. Excluded positions get weight 0 and no gradient; a row with
    /// every position excluded is all zeros.
    public func maskedSoftmax(keyMask mask: Tensor?) -> Tensor {
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        let rowsPerEntry: Int
        if let mask {
            precondition(rank >= 2 && mask.shape == [shape[0], n], "maskedSoftmax mask \(mask.shape) for input \(shape): expected \([shape[0], n])")
            rowsPerEntry = rows / shape[0]
        } else {
            rowsPerEntry = rows
        }
        let out = Tensor(uninitializedShape: shape)
        let px = pointer, py = out.pointer, pm = mask?.pointer
        let rowsPerThread = Swift.max(1, 16_384 / Swift.max(n, 1))
        parallelChunks(rows, minimumPerThread: rowsPerThread) { start, end in
            for r in start..<end {
                let x = px + r * n, y = py + r * n
                if let pm {
                    let keep = pm + (r / rowsPerEntry) * n
                    // The arithmetic of softmax after an −∞ fill: exp(−∞) = 0 adds nothing to the sum.
                    var m = -Float.infinity
                    for k in 0..<n where keep[k] == 0 { m = Swift.max(m, x[k]) }
                    if m == -.infinity { m = 0 }
                    var s: Float = 0
                    for k in 0..<n {
                        if keep[k] == 0 { let e = expf(x[k] - m); y[k] = e; s += e } else { y[k] = 0 }
                    }
                    let inv = s > 0 ? 1 / s : 0
                    for k in 0..<n { y[k] *= inv }
                } else {
                    var m = -Float.infinity
                    for k in 0..<n { m = Swift.max(m, x[k]) }
                    if m == -.infinity { m = 0 }
                    var s: Float = 0
                    for k in 0..<n { let e = expf(x[k] - m); y[k] = e; s += e }
                    let inv = s > 0 ? 1 / s : 0
                    for k in 0..<n { y[k] *= inv }
                }
            }
        }
        let ys = out.storage, maskStorage = mask?.storage
        return out.recording([self]) { [self] g in
            // dx = y ⊙ (g − Σ g⊙y); excluded positions pass no gradient.
            let (gx, isNew) = self.gradStorageForAccumulation()
            let pg = g.pointer, py = ys.pointer, pm = maskStorage?.pointer
            parallelChunks(rows, minimumPerThread: rowsPerThread) { start, end in
                for r in start..<end {
                    let gr = pg + r * n, y = py + r * n, dx = gx + r * n
                    var dot: Float = 0
                    for k in 0..<n { dot += gr[k] * y[k] }
                    if let pm {
                        let keep = pm + (r / rowsPerEntry) * n
                        if isNew {
                            for k in 0..<n { dx[k] = keep[k] == 0 ? y[k] * (gr[k] - dot) : 0 }
                        } else {
                            for k in 0..<n where keep[k] == 0 { dx[k] += y[k] * (gr[k] - dot) }
                        }
                    } else if isNew {
                        for k in 0..<n { dx[k] = y[k] * (gr[k] - dot) }
                    } else {
                        for k in 0..<n { dx[k] += y[k] * (gr[k] - dot) }
                    }
                }
            }
        }
    }
}
