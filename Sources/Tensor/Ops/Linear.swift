/// The affine map of a linear layer as one op: `x Wᵀ + b` over the last dimension.
///
/// The values of `matmul(x, weight, transposeB: true) + bias` (the GEMM adds its product onto the
/// bias, so the last bits can differ when BLAS splits a long inner dimension), without the
/// intermediate product tensor, its gradient copy, and a broadcasting pass in each direction.

/// `x` `[…, in]`, `weight` `[out, in]`, `bias` `[out]` → `[…, out]`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                 "linear: input \(x.shape) does not end in the weight's input size \(weight.shape)")
    let (outputs, inputs) = (weight.shape[0], weight.shape[1])
    if let bias { precondition(bias.shape == [outputs], "linear: bias \(bias.shape) for \(outputs) outputs") }
    let rows = x.count / Swift.max(inputs, 1)
    let out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outputs])
    if let bias {
        // The bias is written first and the GEMM adds onto it (beta 1): one pass over the output
        // instead of BLAS zeroing it (beta 0) and a second pass adding the bias.
        let po = out.pointer, pb = bias.pointer
        parallelChunks(rows, minimumPerThread: Swift.max(1, 32_768 / Swift.max(outputs, 1))) { start, end in
            for r in start..<end { (po + r * outputs).update(from: pb, count: outputs) }
        }
    }
    sgemm(transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, a: x.pointer, lda: inputs,
          b: weight.pointer, ldb: inputs, beta: bias == nil ? 0 : 1, c: out.pointer, ldc: outputs)
    var recorded = [x, weight]
    if let bias { recorded.append(bias) }
    return out.recording(recorded) { g in
        let pg = g.pointer
        if let bias, bias.requiresGrad {
            // Column sums in row order; the threads split the columns.
            let (gb, isNew) = bias.gradStorageForAccumulation()
            if isNew { gb.update(repeating: 0, count: outputs) }
            parallelChunks(outputs, minimumPerThread: Swift.max(1, 8_192 / Swift.max(rows, 1))) { start, end in
                for r in 0..<rows {
                    let gr = pg + r * outputs
                    for j in start..<end { gb[j] += gr[j] }
                }
            }
        }
        if weight.requiresGrad {
            // dW = gᵀ · x
            let (gw, isNew) = weight.gradStorageForAccumulation()
            sgemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: rows, a: pg, lda: outputs,
                  b: x.pointer, ldb: inputs, beta: isNew ? 0 : 1, c: gw, ldc: inputs)
        }
        if x.requiresGrad {
            // dx = g · W
            let (gx, isNew) = x.gradStorageForAccumulation()
            sgemm(transposeA: false, transposeB: false, m: rows, n: inputs, k: outputs, a: pg, lda: outputs,
                  b: weight.pointer, ldb: inputs, beta: isNew ? 0 : 1, c: gx, ldc: inputs)
        }
    }
}
