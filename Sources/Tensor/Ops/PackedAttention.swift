import CKernels

/// Self-attention over packed sequences, for inference: `q` (already scaled), `k`, `v` `[T, D]`
/// hold B sequences end to end, sequence b in rows `offsets[b]..<offsets[b + 1]`, and each row
/// attends only to the rows of its own sequence. Returns the context `[T, D]`, D = H·dh.
///
/// This is `fusedHeadAttention` with the padded positions of a `[B, L, D]` batch left out (what
/// PyTorch's inference fast path does with nested tensors): a sequence of n events costs n² per
/// head rather than L². Each valid row gets the bits it gets there: its scores are the same fma
/// chains, the excluded keys added +0 to its softmax sum and 0·v to its context chains.
/// Forward only: nothing may need a gradient.
public func packedHeadAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, offsets: [Int]) -> Tensor {
    precondition(q.rank == 2 && q.shape == k.shape && k.shape == v.shape && heads > 0 && q.shape[1] % heads == 0,
                 "packedHeadAttention: query \(q.shape), key \(k.shape), value \(v.shape), \(heads) heads")
    precondition(offsets.first == 0 && offsets.last == q.shape[0] && zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 },
                 "packedHeadAttention: offsets must rise from 0 to \(q.shape[0])")
    precondition(!Tensor.needsGrad(q, k, v), "packedHeadAttention records no gradient: call it without gradients")
    let d = q.shape[1], dh = d / heads, sequences = offsets.count - 1, blocks = sequences * heads
    let longest = zip(offsets, offsets.dropFirst()).map { $1 - $0 }.max() ?? 0
    let out = Tensor(uninitializedShape: [q.shape[0], d])
    let pq = q.pointer, pk = k.pointer, pv = v.pointer, po = out.pointer
    let keyScratch = fl_attention_scores_scratch(longest, dh)
    // About as much work per thread as `fusedHeadAttention` asks for, counted at the longest sequence.
    parallelChunksWithSerialBLAS(blocks, minimumPerThread: max(1, 32_768 / max(longest * longest * dh, 1))) { start, end in
        let scratch = Storage(count: longest * longest + keyScratch)
        let w = scratch.pointer
        for bh in start..<end {
            let (b, h) = (bh / heads, bh % heads)
            let first = offsets[b], n = offsets[b + 1] - first
            guard n > 0 else { continue }
            let column = first * d + h * dh
            fl_attention_weights(pq + column, d, pk + column, d, n, n, dh, nil, w, n, w + longest * longest)
            fl_attention_context(w, n, pv + column, d, n, n, dh, po + column, d)
        }
    }
    return out
}
