import CKernels

/// `conv2d(x, …, relu: true).maxPool2d(kernel: (2, 2))` as one op: a CNN stage.
///
/// Each sample's unfold, GEMM, bias, ReLU and 2×2 pooling run on one thread's cache-sized
/// buffers and only the pooled map is written: the full-size activation never reaches memory.
/// The comparisons are those of `maxPool2d`, so the values are the same as the chain's. While
/// recording gradients, see `conv2dReLUMaxPool2x2Recording`.
public func conv2dReLUMaxPool2x2(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                                 padding: (Int, Int) = (0, 0)) -> Tensor {
    let (n, c, h, w, o, geo) = checkedConvolution(x, weight: weight, bias: bias, stride: stride, padding: padding)
    let (ho, wo) = geo.outputSize(height: h, width: w)
    precondition(ho >= 2 && wo >= 2, "2×2 pooling needs a convolution output of at least 2×2, got \(ho)×\(wo)")
    let recordsGraph = GradientMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    if recordsGraph {
        return conv2dReLUMaxPool2x2Recording(x, weight: weight, bias: bias, n: n, c: c, h: h, w: w, o: o, geo: geo)
    }
    let (hp, wp) = (ho / 2, wo / 2)
    let p = ho * wo, ckk = c * geo.kernel.h * geo.kernel.w, imageSize = c * h * w
    let out = Tensor(uninitializedShape: [n, o, hp, wp])
    let px = x.pointer, pw = weight.pointer, po = out.pointer, pb = bias?.pointer
    let samplesPerThread = max(1, 65_536 / max(o * ckk * p, 1))
    parallelChunksWithSerialBLAS(n, minimumPerThread: samplesPerThread) { start, end in
        let ldc = cacheSpreadStride(p), col = Storage(count: ckk * ldc), map = Storage(count: o * p)
        for s in start..<end {
            convolveSample(px + s * imageSize, channels: c, height: h, width: w, geo, weight: pw, outputs: o, bias: pb,
                           relu: false, columns: col.pointer, columnStride: ldc, into: map.pointer)
            let pooled = po + s * o * hp * wp
            for ch in 0..<o { fl_max_pool2x2(map.pointer + ch * p, wo, pooled + ch * hp * wp, hp, wp, nil, 1) }
        }
    }
    return out
}
