import CKernels

/// Attention's per-head products read straight from `[B, L, D]` projections: head h of batch
/// entry b is the column block `h·dh ..< (h+1)·dh`, passed to BLAS with a leading dimension of D.
/// No `[B, H, L, dh]` copies are made in either direction. The forward products are the C
/// kernels `fl_attention_scores`/`fl_attention_context` (blocks too small for BLAS's packing to
/// pay; the fused attention calls the same ones, so both give the same bits); backward uses BLAS.

/// Scores `[B, H, Lq, Lk]` = Q_bh · K_bhᵀ for `q` `[B, Lq, D]` and `k` `[B, Lk, D]`, D = H·dh.
public func headScores(_ q: Tensor, _ k: Tensor, heads: Int) -> Tensor {
    precondition(q.rank == 3 && k.rank == 3 && q.shape[0] == k.shape[0] && q.shape[2] == k.shape[2] && heads > 0
                 && q.shape[2] % heads == 0, "headScores: query \(q.shape), key \(k.shape), \(heads) heads")
    let (batch, lq, d) = (q.shape[0], q.shape[1], q.shape[2]), lk = k.shape[1], dh = d / heads
    let out = Tensor(uninitializedShape: [batch, heads, lq, lk])
    let pq = q.pointer, pk = k.pointer, ps = out.pointer
    let perThread = max(1, 32_768 / max(lq * lk * dh, 1))
    let keyScratch = fl_attention_scores_scratch(lk, dh)
    parallelChunks(batch * heads, minimumPerThread: perThread) { start, end in
        let keys = Storage(count: keyScratch)
        for bh in start..<end {
            let (b, h) = (bh / heads, bh % heads)
            fl_attention_scores(pq + b * lq * d + h * dh, d, pk + b * lk * d + h * dh, d, lq, lk, dh, ps + bh * lq * lk, lk, keys.pointer)
        }
    }
    return out.recording([q, k]) { g in
        let pg = g.pointer
        if q.requiresGrad {
            // dQ_bh = dS_bh · K_bh
            let (gq, isNew) = q.gradStorageForAccumulation()
            forEachHead(batch: batch, heads: heads, perThread: perThread) { b, h, bh in
                sgemm(transposeA: false, transposeB: false, m: lq, n: dh, k: lk, a: pg + bh * lq * lk, lda: lk,
                      b: k.pointer + b * lk * d + h * dh, ldb: d, beta: isNew ? 0 : 1, c: gq + b * lq * d + h * dh, ldc: d)
            }
        }
        if k.requiresGrad {
            // dK_bh = dS_bhᵀ · Q_bh
            let (gk, isNew) = k.gradStorageForAccumulation()
            forEachHead(batch: batch, heads: heads, perThread: perThread) { b, h, bh in
                sgemm(transposeA: true, transposeB: false, m: lk, n: dh, k: lq, a: pg + bh * lq * lk, lda: lk,
                      b: q.pointer + b * lq * d + h * dh, ldb: d, beta: isNew ? 0 : 1, c: gk + b * lk * d + h * dh, ldc: d)
            }
        }
    }
}

/// Context `[B, Lq, D]`: head block h of row (b, i) is Σ_j weights[b, h, i, j] · v[b, j, h-block],
/// for `weights` `[B, H, Lq, Lk]` and `v` `[B, Lk, D]`.
public func headContext(_ weights: Tensor, _ v: Tensor) -> Tensor {
    precondition(weights.rank == 4 && v.rank == 3 && weights.shape[0] == v.shape[0] && weights.shape[3] == v.shape[1]
                 && v.shape[2] % weights.shape[1] == 0, "headContext: weights \(weights.shape), value \(v.shape)")
    let (batch, heads, lq, lk) = (weights.shape[0], weights.shape[1], weights.shape[2], weights.shape[3])
    let d = v.shape[2], dh = d / heads
    let out = Tensor(uninitializedShape: [batch, lq, d])
    let pw = weights.pointer, pv = v.pointer, pc = out.pointer
    let perThread = max(1, 32_768 / max(lq * lk * dh, 1))
    forEachHead(batch: batch, heads: heads, perThread: perThread) { b, h, bh in
        fl_attention_context(pw + bh * lq * lk, lk, pv + b * lk * d + h * dh, d, lq, lk, dh, pc + b * lq * d + h * dh, d)
    }
    return out.recording([weights, v]) { g in
        let pg = g.pointer
        if weights.requiresGrad {
            // dW_bh = dC_bh · V_bhᵀ
            let (gw, isNew) = weights.gradStorageForAccumulation()
            forEachHead(batch: batch, heads: heads, perThread: perThread) { b, h, bh in
                sgemm(transposeA: false, transposeB: true, m: lq, n: lk, k: dh, a: pg + b * lq * d + h * dh, lda: d,
                      b: v.pointer + b * lk * d + h * dh, ldb: d, beta: isNew ? 0 : 1, c: gw + bh * lq * lk, ldc: lk)
            }
        }
        if v.requiresGrad {
            // dV_bh = W_bhᵀ · dC_bh
            let (gv, isNew) = v.gradStorageForAccumulation()
            forEachHead(batch: batch, heads: heads, perThread: perThread) { b, h, bh in
                sgemm(transposeA: true, transposeB: false, m: lk, n: dh, k: lq, a: weights.pointer + bh * lq * lk, lda: lk,
                      b: pg + b * lq * d + h * dh, ldb: d, beta: isNew ? 0 : 1, c: gv + b * lk * d + h * dh, ldc: d)
            }
        }
    }
}

/// Runs `body(b, h, bh)` for every (batch row, head) pair, `bh = b · heads + h`, split over
/// threads in fixed chunks with BLAS serial inside (each pair writes its own block).
private func forEachHead(batch: Int, heads: Int, perThread: Int, _ body: (_ b: Int, _ h: Int, _ bh: Int) -> Void) {
    parallelChunksWithSerialBLAS(batch * heads, minimumPerThread: perThread) { start, end in
        for bh in start..<end { body(bh / heads, bh % heads, bh) }
    }
}
