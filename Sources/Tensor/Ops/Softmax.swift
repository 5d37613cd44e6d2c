#if canImport(Glibc)
import Glibc
#endif

/// Softmax and log-softmax along an axis, stabilised by subtracting the maximum.
extension Tensor {
    public func softmax(axis: Int = -1) -> Tensor {
        let (outer, n, inner) = axisSplit(axis)
        let out = Tensor(uninitializedShape: shape)
        let px = pointer, py = out.pointer
        // Rows are independent: split them over threads (each row's arithmetic is unchanged).
        parallelChunks(outer, minimumPerThread: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { start, end in
        for o in start..<end {
            // Over the last axis, the C kernel of `maskedSoftmax` (vector exp, sum in 8 lanes).
            if inner == 1 { softmaxRow(px + o * n, into: py + o * n, count: n, excluded: nil); continue }
            for j in 0..<inner {
                let x = px + o * n * inner + j, y = py + o * n * inner + j
                var m = -Float.infinity
                for k in 0..<n { m = Swift.max(m, x[k * inner]) }
                if m == -.infinity { m = 0 }  // a fully masked row stays finite (all zeros below)
                var s: Float = 0
                for k in 0..<n { let e = expf(x[k * inner] - m); y[k * inner] = e; s += e }
                let r = s > 0 ? 1 / s : 0
                for k in 0..<n { y[k * inner] *= r }
            }
        }
        }
        let ys = out.storage
        return out.recording([self]) { [self] g in
            // dx = y ⊙ (g − Σ g⊙y)
            let gx = self.gradStorage(), pg = g.pointer, py = ys.pointer
            parallelChunks(outer, minimumPerThread: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { start, end in
            for o in start..<end {
                if inner == 1 { softmaxRowBackward(pg + o * n, output: py + o * n, into: gx + o * n, count: n, excluded: nil, isNew: false); continue }
                for j in 0..<inner {
                    let base = o * n * inner + j
                    var dot: Float = 0
                    for k in 0..<n { dot += pg[base + k * inner] * py[base + k * inner] }
                    for k in 0..<n { gx[base + k * inner] += py[base + k * inner] * (pg[base + k * inner] - dot) }
                }
            }
            }
        }
    }

    public func logSoftmax(axis: Int = -1) -> Tensor {
        let (outer, n, inner) = axisSplit(axis)
        let out = Tensor(uninitializedShape: shape)
        let px = pointer, py = out.pointer
        for o in 0..<outer {
            for j in 0..<inner {
                let x = px + o * n * inner + j, y = py + o * n * inner + j
                var m = -Float.infinity
                for k in 0..<n { m = Swift.max(m, x[k * inner]) }
                var s: Float = 0
                for k in 0..<n { s += expf(x[k * inner] - m) }
                let lse = m + logf(s)
                for k in 0..<n { y[k * inner] = x[k * inner] - lse }
            }
        }
        let ys = out.storage
        return out.recording([self]) { [self] g in
            // dx = g − softmax ⊙ Σ g
            let gx = self.gradStorage(), pg = g.pointer, py = ys.pointer
            for o in 0..<outer {
                for j in 0..<inner {
                    let base = o * n * inner + j
                    var s: Float = 0
                    for k in 0..<n { s += pg[base + k * inner] }
                    for k in 0..<n { gx[base + k * inner] += pg[base + k * inner] - expf(py[base + k * inner]) * s }
                }
            }
        }
    }
}
