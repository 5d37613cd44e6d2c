import CKernels

/// The recording path of `conv2dReLUMaxPool2x2`: one op whose backward does what the chain's
/// three backwards did (pool scatter, ReLU mask, convolution), without the full-size activation,
/// its zero-filled gradient or the masked copy.
///
/// Forward, per sample on its thread (as scoring): unfold into a cache-sized buffer, GEMM into a
/// cache-sized map, bias, then ReLU and 2×2 pooling with the window's argmax (`fl_max_pool2x2`). Only the pooled map and the
/// argmax are kept. Backward: the pooled gradient goes to each window's argmax when the pooled
/// value is positive (the ReLU's mask; `fl_max_pool2x2_scatter`), sample by sample where
/// `convolutionBackward` asks for it.
func conv2dReLUMaxPool2x2Recording(_ x: Tensor, weight: Tensor, bias: Tensor?, n: Int, c: Int, h: Int, w: Int, o: Int,
                                   geo: ConvGeometry) -> Tensor {
    let (ho, wo) = geo.outputSize(height: h, width: w)
    let (hp, wp) = (ho / 2, wo / 2)
    let p = ho * wo, q = hp * wp, ckk = c * geo.kernel.h * geo.kernel.w, imageSize = c * h * w
    let out = Tensor(uninitializedShape: [n, o, hp, wp])
    // Each window's argmax (its index in the plane), every element written below.
    var argmax = [Int32](unsafeUninitializedCapacity: n * o * q) { _, count in count = n * o * q }
    let px = x.pointer, pw = weight.pointer, po = out.pointer, pb = bias?.pointer
    let samplesPerThread = max(1, 65_536 / max(o * ckk * p, 1))
    argmax.withUnsafeMutableBufferPointer { argmaxBuffer in
        let pa = argmaxBuffer.baseAddress!
        parallelChunksWithSerialBLAS(n, minimumPerThread: samplesPerThread) { start, end in
            let map = Storage(count: o * p), ldc = cacheSpreadStride(p), columns = Storage(count: ckk * ldc)
            for s in start..<end {
                // The ReLU inside the pooling (of the four values compared, not a pass over the map).
                convolveSample(px + s * imageSize, channels: c, height: h, width: w, geo, weight: pw, outputs: o, bias: pb,
                               relu: false, columns: columns.pointer, columnStride: ldc, into: map.pointer)
                for ch in 0..<o {
                    let i = (s * o + ch) * q
                    fl_max_pool2x2(map.pointer + ch * p, wo, po + i, hp, wp, pa + i, 1)
                }
            }
        }
    }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    let pooledValues = out.storage  // the storage, not the tensor: no reference cycle
    return out.recording(inputs) { g in
        let pg = g.pointer, py = pooledValues.pointer
        argmax.withUnsafeBufferPointer { argmaxBuffer in
            let pa = argmaxBuffer.baseAddress!
            // A sample's output gradient: zero but at each window's argmax, where the pooled
            // gradient passes if the pooled (post-ReLU) value is positive — what maxPool2d's then
            // relu()'s backward give.
            convolutionBackward(x, weight: weight, bias: bias, n: n, c: c, h: h, w: w, o: o, geo: geo) { s, channels, into, rowStride in
                for ch in channels {
                    let i = (s * o + ch) * q
                    fl_max_pool2x2_scatter(pg + i, py + i, pa + i, hp, wp, into + (ch - channels.lowerBound) * rowStride, wo, ho)
                }
            }
        }
    }
}
