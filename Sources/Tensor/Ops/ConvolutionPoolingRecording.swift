/// The recording path of `conv2dReLUMaxPool2x2`: one op whose backward does what the chain's
/// three backwards did (pool scatter, ReLU mask, convolution), without the full-size activation,
/// its zero-filled gradient or the masked copy.
///
/// Forward, per sample on its thread (as scoring): unfold into the batch's column matrix
/// `[C·kh·kw, N·Ho·Wo]` (sample `s` in columns `s·P ..< (s+1)·P`), GEMM into a cache-sized map,
/// bias, ReLU, 2×2 pooling with the window's argmax. Only the columns, the pooled map and the
/// argmax are kept. Backward: the pooled gradient goes to each window's argmax when the pooled
/// value is positive (the ReLU's mask), into `dOut` laid out `[O, N·P]` like the columns, so the
/// rest is `convolutionBackward`'s (the weight gradient as one GEMM over the batch).
func conv2dReLUMaxPool2x2Recording(_ x: Tensor, weight: Tensor, bias: Tensor?, n: Int, c: Int, h: Int, w: Int, o: Int,
                                   geo: ConvGeometry) -> Tensor {
    let (ho, wo) = geo.outputSize(height: h, width: w)
    let (hp, wp) = (ho / 2, wo / 2)
    let p = ho * wo, q = hp * wp, np = n * p, ckk = c * geo.kernel.h * geo.kernel.w, imageSize = c * h * w
    let out = Tensor(uninitializedShape: [n, o, hp, wp])
    let cols = Storage(count: ckk * np)
    // Each window's argmax (its index in the plane), every element written below.
    var argmax = [Int32](unsafeUninitializedCapacity: n * o * q) { _, count in count = n * o * q }
    let px = x.pointer, pw = weight.pointer, po = out.pointer, pb = bias?.pointer, pc = cols.pointer
    let samplesPerThread = max(1, 65_536 / max(o * ckk * p, 1))
    argmax.withUnsafeMutableBufferPointer { argmaxBuffer in
        let pa = argmaxBuffer.baseAddress!
        parallelChunksWithSerialBLAS(n, minimumPerThread: samplesPerThread) { start, end in
            let map = Storage(count: o * p)
            for s in start..<end {
                convolveSample(px + s * imageSize, channels: c, height: h, width: w, geo, weight: pw, outputs: o, bias: pb,
                               relu: true, columns: pc + s * p, columnStride: np, into: map.pointer)
                for ch in 0..<o {
                    let i = (s * o + ch) * q
                    maxPool2x2(plane: map.pointer + ch * p, rowLength: wo, into: po + i, height: hp, width: wp, argmax: pa + i)
                }
            }
        }
    }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    let pooledValues = out.storage  // the storage, not the tensor: no reference cycle
    return out.recording(inputs) { g in
        let pg = g.pointer, py = pooledValues.pointer
        // dOut [O, N·P]: zero but at each window's argmax, where the pooled gradient passes if the
        // pooled (post-ReLU) value is positive — what maxPool2d's then relu()'s backward give.
        let dOut = Storage(count: o * np)
        let pd = dOut.pointer
        argmax.withUnsafeBufferPointer { argmaxBuffer in
            let pa = argmaxBuffer.baseAddress!
            parallelChunks(n, minimumPerThread: max(1, 16_384 / max(o * p, 1))) { start, end in
                for s in start..<end {
                    for ch in 0..<o {
                        let row = pd + ch * np + s * p, i = (s * o + ch) * q
                        row.update(repeating: 0, count: p)
                        // A select, not a branch (the sign of a pooled value is a coin flip): writing 0
                        // over the zeroed row where the ReLU blocks is harmless.
                        for j in 0..<q { row[Int(pa[i + j])] = py[i + j] > 0 ? pg[i + j] : 0 }
                    }
                }
            }
        }
        // `cols`, not a pointer taken before: the closure must keep the columns' storage alive.
        convolutionBackward(x, weight: weight, bias: bias, n: n, c: c, h: h, w: w, o: o, geo: geo, dOut: pd, columns: cols.pointer)
    }
}
