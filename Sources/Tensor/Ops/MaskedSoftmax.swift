import CKernels

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
                softmaxRow(px + r * n, into: py + r * n, count: n, excluded: pm.map { $0 + (r / rowsPerEntry) * n })
            }
        }
        let ys = out.storage, maskStorage = mask?.storage
        return out.recording([self]) { [self] g in
            // dx = y ⊙ (g − Σ g⊙y); excluded positions pass no gradient.
            let (gx, isNew) = self.gradStorageForAccumulation()
            let pg = g.pointer, py = ys.pointer, pm = maskStorage?.pointer
            parallelChunks(rows, minimumPerThread: rowsPerThread) { start, end in
                for r in start..<end {
                    softmaxRowBackward(pg + r * n, output: py + r * n, into: gx + r * n, count: n,
                                       excluded: pm.map { $0 + (r / rowsPerEntry) * n }, isNew: isNew)
                }
            }
        }
    }
}

/// One row of `maskedSoftmax`: `y` = softmax of `x` over `n` positions, those with `keep[k] ≠ 0`
/// excluded (weight 0). `x` and `y` may be the same buffer. Shared with the fused attention,
/// so both compute the same bits. The C kernel (vector exp, sum in 8 lanes) gives the same bits
/// with or without AVX2.
@inline(__always)
func softmaxRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, excluded keep: UnsafePointer<Float>?) {
    fl_softmax_row(x, y, n, keep)
}

/// The backward of one `softmaxRow`: dx = y ⊙ (g − Σ g⊙y); excluded positions pass no gradient.
/// `isNew`: `dx` is uninitialised and is written, not added to.
@inline(__always)
func softmaxRowBackward(_ g: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count n: Int,
                        excluded keep: UnsafePointer<Float>?, isNew: Bool) {
    fl_softmax_row_backward(g, y, dx, n, keep, isNew ? 1 : 0)
}
