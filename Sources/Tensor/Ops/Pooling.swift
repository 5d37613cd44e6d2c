import CKernels

/// Max and average pooling over `[N, C, H, W]`, and global average pooling.
extension Tensor {
    /// Max pooling; padded positions never win. The gradient goes to each window's maximum.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        precondition(rank == 4, "maxPool2d wants [N, C, H, W], got \(shape)")
        let geo = ConvGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding)
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (ho, wo) = geo.outputSize(height: h, width: w)
        precondition(ho > 0 && wo > 0, "maxPool2d output would be empty for input \(h)×\(w)")
        let out = Tensor(uninitializedShape: [shape[0], shape[1], ho, wo])
        let px = pointer, po = out.pointer
        // The common 2×2/2 case: no bounds checks, planes split over threads; the argmax only
        // when backward will need it (not under `withoutGradients`).
        func twoByTwo(argmax: UnsafeMutablePointer<Int32>?) {
            let pam = UncheckedSendable(argmax)
            parallelChunks(planes, minimumPerThread: 64) { start, end in
                for pl in start..<end {
                    maxPool2x2(plane: px + pl * h * w, rowLength: w, into: po + pl * ho * wo, height: ho, width: wo,
                               argmax: pam.value.map { $0 + pl * ho * wo })
                }
            }
        }
        let isTwoByTwo = geo.kernel == (2, 2) && geo.stride == (2, 2) && geo.padding == (0, 0)
        if isTwoByTwo && !(requiresGrad && GradientMode.isEnabled) {
            twoByTwo(argmax: nil)
            return out
        }
        var argmax = [Int32](repeating: 0, count: out.count)
        if isTwoByTwo {
            argmax.withUnsafeMutableBufferPointer { twoByTwo(argmax: $0.baseAddress!) }
        } else {
        argmax.withUnsafeMutableBufferPointer { am in
            for pl in 0..<planes {
                let x = px + pl * h * w
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var best = -Float.infinity, bi = -1
                        for ki in 0..<geo.kernel.h {
                            let iy = oy * geo.stride.h - geo.padding.h + ki
                            if iy < 0 || iy >= h { continue }
                            for kj in 0..<geo.kernel.w {
                                let ix = ox * geo.stride.w - geo.padding.w + kj
                                if ix < 0 || ix >= w { continue }
                                let v = x[iy * w + ix]
                                if v > best || bi < 0 { best = v; bi = iy * w + ix }
                            }
                        }
                        let oi = (pl * ho + oy) * wo + ox
                        po[oi] = best
                        am[oi] = Int32(bi)
                    }
                }
            }
        }
        }
        return out.recording([self]) { [self] g in
            let gx = self.gradStorage(), pg = g.pointer
            // Planes are disjoint: split over threads (each plane's additions keep their order).
            argmax.withUnsafeBufferPointer { am in
                let pam = UncheckedSendable(am.baseAddress!)
                parallelChunks(planes, minimumPerThread: Swift.max(1, 16_384 / Swift.max(ho * wo, 1))) { start, end in
                    for pl in start..<end {
                        for i in 0..<(ho * wo) {
                            let oi = pl * ho * wo + i
                            gx[pl * h * w + Int(pam.value[oi])] += pg[oi]
                        }
                    }
                }
            }
        }
    }

    /// Average pooling; padded zeros count in the divisor (PyTorch's `count_include_pad=True`).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        precondition(rank == 4, "avgPool2d wants [N, C, H, W], got \(shape)")
        let geo = ConvGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding)
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (ho, wo) = geo.outputSize(height: h, width: w)
        precondition(ho > 0 && wo > 0, "avgPool2d output would be empty for input \(h)×\(w)")
        let out = Tensor(uninitializedShape: [shape[0], shape[1], ho, wo])
        let scale = 1 / Float(geo.kernel.h * geo.kernel.w)
        // Visits each in-bounds input of each window; `body(inputIndex, outputIndex)`.
        func forEachTap(_ body: (Int, Int) -> Void) {
            for pl in 0..<planes {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        let oi = (pl * ho + oy) * wo + ox
                        for ki in 0..<geo.kernel.h {
                            let iy = oy * geo.stride.h - geo.padding.h + ki
                            if iy < 0 || iy >= h { continue }
                            for kj in 0..<geo.kernel.w {
                                let ix = ox * geo.stride.w - geo.padding.w + kj
                                if ix >= 0 && ix < w { body(pl * h * w + iy * w + ix, oi) }
                            }
                        }
                    }
                }
            }
        }
        let px = pointer, po = out.pointer
        po.update(repeating: 0, count: out.count)
        forEachTap { i, o in po[o] += px[i] * scale }
        return out.recording([self]) { [self] g in
            let gx = self.gradStorage(), pg = g.pointer
            forEachTap { i, o in gx[i] += pg[o] * scale }
        }
    }

    /// Mean over the spatial dimensions: `[N, C, H, W]` → `[N, C]`.
    public func globalAvgPool2d() -> Tensor {
        precondition(rank == 4, "globalAvgPool2d wants [N, C, H, W], got \(shape)")
        return reshaped([shape[0], shape[1], shape[2] * shape[3]]).mean(axis: 2)
    }
}

/// 2×2/2 max pooling of one plane (rows of `rowLength`) into `[ho, wo]`; `argmax`, when given,
/// receives each maximum's index in the plane. The first of equal values wins.
@inline(__always)
func maxPool2x2(plane x: UnsafePointer<Float>, rowLength w: Int, into y: UnsafeMutablePointer<Float>, height ho: Int, width wo: Int,
                argmax: UnsafeMutablePointer<Int32>?) {
    fl_max_pool2x2(x, w, y, ho, wo, argmax, 0)
}
