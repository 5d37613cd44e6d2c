/// Broadcasting binary ops: add, sub, mul, div, and their scalar forms.

/// An element-wise operation as a type, so the kernels below specialise on it and their loops
/// vectorise: passed as a closure (`+`) it stayed one indirect call per element inside the
/// parallel loop (3.7% of a batch-128 training step in `+` alone).
private protocol ElementwiseOperation { static func apply(_ a: Float, _ b: Float) -> Float }
private enum Add: ElementwiseOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
private enum Subtract: ElementwiseOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
private enum Multiply: ElementwiseOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
private enum Divide: ElementwiseOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
/// −a / b: the divisor's gradient factor −(x/y)/y given g·(x/y).
private enum NegatedQuotient: ElementwiseOperation { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { -a / b } }

@inline(__always)
private func binaryKernel<Op: ElementwiseOperation>(_ a: Tensor, _ b: Tensor, _: Op.Type) -> Tensor {
    if a.shape == b.shape {
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.pointer, pb = b.pointer, po = out.pointer
        parallelChunks(out.count) { s, e in
            for i in s..<e { po[i] = Op.apply(pa[i], pb[i]) }
        }
        return out
    }
    let shape = broadcastShape(a.shape, b.shape)
    let out = Tensor(uninitializedShape: shape)
    let layout = BroadcastLayout(out: shape, a: a.shape, b: b.shape)
    let pa = a.pointer, pb = b.pointer, po = out.pointer
    let n = layout.rowLength, sa = layout.innerA, sb = layout.innerB
    layout.forEachRow { o, ia, ib in
        let x = pa + ia, y = pb + ib, z = po + o
        switch (sa, sb) {
        case (1, 1): for i in 0..<n { z[i] = Op.apply(x[i], y[i]) }
        case (1, _): let yv = y[0]; for i in 0..<n { z[i] = Op.apply(x[i], yv) }
        case (_, 1): let xv = x[0]; for i in 0..<n { z[i] = Op.apply(xv, y[i]) }
        default: let v = Op.apply(x[0], y[0]); for i in 0..<n { z[i] = v }
        }
    }
    return out
}

extension Tensor {
    /// Adds `values` laid out in `fromShape` into this tensor's gradient, summing over the
    /// dimensions along which this tensor was broadcast.
    func accumulateGrad(_ values: UnsafePointer<Float>, broadcastFrom fromShape: [Int]) {
        if fromShape == shape { accumulateGrad(values); return }
        let g = gradStorage()
        let layout = BroadcastLayout(out: fromShape, a: shape, b: fromShape)
        let n = layout.rowLength
        if layout.innerA == 1 {
            layout.forEachRow { o, ia, _ in
                let dst = g + ia, src = values + o
                for i in 0..<n { dst[i] += src[i] }
            }
        } else {
            layout.forEachRow { o, ia, _ in
                var s: Float = 0
                let src = values + o
                for i in 0..<n { s += src[i] }
                g[ia] += s
            }
        }
    }

    /// `g * other` broadcast to `shape`, summed into this tensor's gradient.
    fileprivate func accumulateProductGrad<Op: ElementwiseOperation>(_ g: Tensor, _ other: Tensor, _ op: Op.Type) {
            if g.shape == shape && other.shape == shape {
            // No broadcast: straight into the gradient, without a temporary.
            let (gx, isNew) = gradStorageForAccumulation()
            let pg = g.pointer, po = other.pointer
            parallelChunks(count) { s, e in
                if isNew {
                    for i in s..<e { gx[i] = Op.apply(pg[i], po[i]) }
                } else {
                    for i in s..<e { gx[i] += Op.apply(pg[i], po[i]) }
                }
            }
            return
        }
        let t = binaryKernel(g, other, op)
        accumulateGrad(t.pointer, broadcastFrom: t.shape)
    }
}

public func + (a: Tensor, b: Tensor) -> Tensor {
    binaryKernel(a, b, Add.self).recording([a, b]) { g in
        if a.requiresGrad { a.accumulateGrad(g.pointer, broadcastFrom: g.shape) }
        if b.requiresGrad { b.accumulateGrad(g.pointer, broadcastFrom: g.shape) }
    }
}

public func - (a: Tensor, b: Tensor) -> Tensor {
    binaryKernel(a, b, Subtract.self).recording([a, b]) { g in
        if a.requiresGrad { a.accumulateGrad(g.pointer, broadcastFrom: g.shape) }
        if b.requiresGrad { b.accumulateProductGrad(g, Tensor(scalar: -1), Multiply.self) }
    }
}

public func * (a: Tensor, b: Tensor) -> Tensor {
    binaryKernel(a, b, Multiply.self).recording([a, b]) { g in
        if a.requiresGrad { a.accumulateProductGrad(g, b, Multiply.self) }
        if b.requiresGrad { b.accumulateProductGrad(g, a, Multiply.self) }
    }
}

public func / (a: Tensor, b: Tensor) -> Tensor {
    let out = binaryKernel(a, b, Divide.self)
    let quotient = Tensor(shape: out.shape, storage: out.storage)  // values only: no cycle
    return out.recording([a, b]) { g in
        if a.requiresGrad { a.accumulateProductGrad(g, b, Divide.self) }
        if b.requiresGrad {
            // d(a/b)/db = -(a/b)/b
            let t = binaryKernel(g, quotient, Multiply.self)
            b.accumulateProductGrad(t, b, NegatedQuotient.self)
        }
    }
}

public func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } derivative: { _, _ in 1 } }
public func + (s: Float, a: Tensor) -> Tensor { a + s }
public func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
public func - (s: Float, a: Tensor) -> Tensor { a.map { s - $0 } derivative: { _, _ in -1 } }
/// Written out (not through `map`) so the backward loop vectorises: attention scales every query by it.
public func * (a: Tensor, s: Float) -> Tensor {
    let out = Tensor(uninitializedShape: a.shape)
    let px = a.pointer, py = out.pointer
    parallelChunks(a.count, minimumPerThread: 65_536) { start, end in
        for i in start..<end { py[i] = px[i] * s }
    }
    return out.recording([a]) { g in
        let (gx, isNew) = a.gradStorageForAccumulation()
        let pg = g.pointer
        parallelChunks(g.count, minimumPerThread: 65_536) { start, end in
            if isNew {
                for i in start..<end { gx[i] = pg[i] * s }
            } else {
                for i in start..<end { gx[i] += pg[i] * s }
            }
        }
    }
}
public func * (s: Float, a: Tensor) -> Tensor { a * s }
public func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
public prefix func - (a: Tensor) -> Tensor { a * -1 }
