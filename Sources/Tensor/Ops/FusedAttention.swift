import CKernels

/// Attention's weights and context one (batch entry, head) block at a time, so the
/// `[B, H, Lq, Lk]` scores, weights and dropout mask are never stored: at a window of 256 and a
/// batch of 128 each of those is 134 MB per layer, and the separate ops kept four of them alive
/// until backward. Here memory grows with `[B, L, D]`, plus one `Lq × Lk` scratch per thread.
///
/// Backward recomputes each block's weights — the same GEMM and the same softmax row, so the
/// same bits — and draws its dropout mask again from the stream state saved at the block's
/// first draw. Values and gradients are those of `headScores` → `maskedSoftmax` → `dropout` →
/// `headContext`, bit for bit.

/// Context `[B, Lq, D]` = dropout(softmax(Q_bh · K_bhᵀ, padded keys excluded)) · V_bh per head
/// block, for `q` `[B, Lq, D]` (already scaled), `k`/`v` `[B, Lk, D]`, D = H·dh.
///
/// - Parameters:
///   - keyMask: `[B, Lk]`, nonzero where the key is padding (weight 0).
///   - probability: dropout on the weights; 0 draws nothing from `generator`.
public func fusedHeadAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, keyMask: Tensor?,
                               dropout probability: Float, generator: inout RandomGenerator) -> Tensor {
    precondition(q.rank == 3 && k.rank == 3 && k.shape == v.shape && q.shape[0] == k.shape[0] && q.shape[2] == k.shape[2]
                 && heads > 0 && q.shape[2] % heads == 0, "fusedHeadAttention: query \(q.shape), key \(k.shape), value \(v.shape), \(heads) heads")
    precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
    let (batch, lq, d) = (q.shape[0], q.shape[1], q.shape[2]), lk = k.shape[1], dh = d / heads
    if let keyMask {
        precondition(keyMask.shape == [batch, lk], "key padding mask \(keyMask.shape), expected \([batch, lk])")
    }
    let blocks = batch * heads, blockSize = lq * lk
    let draws = probability > 0 ? DropoutDraws(probability: probability) : nil
    let starts = draws == nil ? [] : DropoutDraws.blockStarts(&generator, blocks: blocks, blockSize: blockSize)
    // The thread split of `headScores`/`headContext`: BLAS serial inside exactly when theirs was.
    let perThread = max(1, 32_768 / max(lq * lk * dh, 1))
    let pq = q.pointer, pk = k.pointer, pv = v.pointer, pm = keyMask?.pointer, maskStorage = keyMask?.storage

    /// Block bh's softmax weights into `softmax`, and after dropout into `dropped` (may be the same buffer).
    /// `keys`: `keyScratch` floats for the scores kernel.
    func weights(_ b: Int, _ h: Int, _ bh: Int, softmax y: UnsafeMutablePointer<Float>, dropped w: UnsafeMutablePointer<Float>,
                 keys: UnsafeMutablePointer<Float>) {
        fl_attention_weights(pq + b * lq * d + h * dh, d, pk + b * lk * d + h * dh, d, lq, lk, dh, pm.map { $0 + b * lk }, y, lk, keys)
        if let draws {
            draws.apply(from: starts[bh], first: bh * blockSize, count: blockSize, y, into: w)
        } else if w != y {
            w.update(from: y, count: blockSize)
        }
    }

    let out = Tensor(uninitializedShape: [batch, lq, d])
    let pc = out.pointer
    let keyScratch = fl_attention_scores_scratch(lk, dh)
    parallelChunksWithSerialBLAS(blocks, minimumPerThread: perThread) { start, end in
        let scratch = Storage(count: blockSize + keyScratch)
        let w = scratch.pointer
        for bh in start..<end {
            let (b, h) = (bh / heads, bh % heads)
            weights(b, h, bh, softmax: w, dropped: w, keys: w + blockSize)
            fl_attention_context(w, lk, pv + b * lk * d + h * dh, d, lq, lk, dh, pc + b * lq * d + h * dh, d)
        }
    }
    return out.recording([q, k, v]) { g in
        _ = maskStorage  // the mask's buffer lives as long as this backward
        let pg = g.pointer
        // The order `headContext` then `headScores` asked for them in.
        let gv = v.requiresGrad ? v.gradStorageForAccumulation() : nil
        let gq = q.requiresGrad ? q.gradStorageForAccumulation() : nil
        let gk = k.requiresGrad ? k.gradStorageForAccumulation() : nil
        let throughScores = gq != nil || gk != nil
        parallelChunksWithSerialBLAS(blocks, minimumPerThread: perThread) { start, end in
            let scratch = Storage(count: 3 * blockSize + keyScratch)
            let y = scratch.pointer, gs = y + blockSize
            let w = draws == nil ? y : gs + blockSize
            for bh in start..<end {
                let (b, h) = (bh / heads, bh % heads)
                let gc = pg + b * lq * d + h * dh
                weights(b, h, bh, softmax: y, dropped: w, keys: scratch.pointer + 3 * blockSize)
                if let gv {
                    // dV_bh = W_bhᵀ · dC_bh
                    sgemm(transposeA: true, transposeB: false, m: lk, n: dh, k: lq, a: w, lda: lk,
                          b: gc, ldb: d, beta: gv.isNew ? 0 : 1, c: gv.pointer + b * lk * d + h * dh, ldc: d)
                }
                guard throughScores else { continue }
                // dW_bh = dC_bh · V_bhᵀ, through dropout, then the softmax: dS_bh, in place.
                sgemm(transposeA: false, transposeB: true, m: lq, n: lk, k: dh, a: gc, lda: d,
                      b: pv + b * lk * d + h * dh, ldb: d, beta: 0, c: gs, ldc: lk)
                if let draws { draws.apply(from: starts[bh], first: bh * blockSize, count: blockSize, gs, into: gs) }
                let excluded = pm.map { $0 + b * lk }
                for i in 0..<lq {
                    softmaxRowBackward(gs + i * lk, output: y + i * lk, into: gs + i * lk, count: lk, excluded: excluded, isNew: true)
                }
                if let gq {
                    // dQ_bh = dS_bh · K_bh
                    sgemm(transposeA: false, transposeB: false, m: lq, n: dh, k: lk, a: gs, lda: lk,
                          b: pk + b * lk * d + h * dh, ldb: d, beta: gq.isNew ? 0 : 1, c: gq.pointer + b * lq * d + h * dh, ldc: d)
                }
                if let gk {
                    // dK_bh = dS_bhᵀ · Q_bh
                    sgemm(transposeA: true, transposeB: false, m: lk, n: dh, k: lq, a: gs, lda: lk,
                          b: pq + b * lq * d + h * dh, ldb: d, beta: gk.isNew ? 0 : 1, c: gk.pointer + b * lk * d + h * dh, ldc: d)
                }
            }
        }
    }
}
