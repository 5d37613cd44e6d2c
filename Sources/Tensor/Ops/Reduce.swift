/// Reductions: sum, mean and max over axes.
extension Tensor {
    func normalizedAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }

    /// Sum of all elements, as a scalar tensor.
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Sum over `axes`; the reduced dimensions are kept as 1 when `keepDims`.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let axes = Set(axes.map(normalizedAxis))
        let kept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let out = Tensor(zeros: kept)
        // Forward is the same broadcast-sum that backward of a broadcast does.
        out.accumulateInto(out.pointer, values: pointer, from: shape)
        let result = keepDims ? out : out.reshaped(shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
        let inShape = shape
        return result.recording([self]) { [self] g in
            // Spread g (in `kept` layout) back over the input shape.
            let gx = self.gradStorage(), pg = g.pointer
            let layout = BroadcastLayout(out: inShape, a: kept, b: inShape)
            let n = layout.rowLength, sa = layout.innerA
            layout.forEachRow { o, ia, _ in
                if sa == 1 { for i in 0..<n { gx[o + i] += pg[ia + i] } }
                else { let v = pg[ia]; for i in 0..<n { gx[o + i] += v } }
            }
        }
    }

    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = axes.map { shape[normalizedAxis($0)] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(n))
    }

    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Sums `values` laid out in `from` into `target` laid out in this tensor's shape.
    func accumulateInto(_ target: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>, from: [Int]) {
        let layout = BroadcastLayout(out: from, a: shape, b: from)
        let n = layout.rowLength
        if layout.innerA == 1 {
            layout.forEachRow { o, ia, _ in for i in 0..<n { target[ia + i] += values[o + i] } }
        } else {
            layout.forEachRow { o, ia, _ in
                var s: Float = 0
                for i in 0..<n { s += values[o + i] }
                target[ia] += s
            }
        }
    }

    /// (outer, length, inner) view of a reduction along `axis`.
    func axisSplit(_ axis: Int) -> (outer: Int, length: Int, inner: Int) {
        let a = normalizedAxis(axis)
        return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
    }

    /// Maximum along `axis`; the gradient goes to the first maximal element.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxis(axis)
        let (outer, n, inner) = axisSplit(a)
        precondition(n > 0, "max over an empty axis")
        var outShape = shape
        outShape[a] = 1
        let out = Tensor(uninitializedShape: outShape)
        var argmax = [Int32](repeating: 0, count: outer * inner)
        let px = pointer, po = out.pointer
        argmax.withUnsafeMutableBufferPointer { am in
            for o in 0..<outer {
                for j in 0..<inner {
                    let base = o * n * inner + j
                    var best = px[base], bi = 0
                    for k in 1..<Swift.max(n, 1) where px[base + k * inner] > best {
                        best = px[base + k * inner]; bi = k
                    }
                    po[o * inner + j] = best
                    am[o * inner + j] = Int32(bi)
                }
            }
        }
        if !keepDims { outShape.remove(at: a) }
        let result = keepDims ? out : out.reshaped(outShape)
        return result.recording([self]) { [self] g in
            let gx = self.gradStorage(), pg = g.pointer
            for o in 0..<outer {
                for j in 0..<inner {
                    gx[o * n * inner + Int(argmax[o * inner + j]) * inner + j] += pg[o * inner + j]
                }
            }
        }
    }
}
