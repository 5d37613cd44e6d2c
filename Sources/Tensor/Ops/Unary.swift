#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise unary ops. Each is a forward map plus its derivative written from the input x
/// and the output y, whichever is cheaper.
extension Tensor {
    @inline(__always)
    func map(_ f: (Float) -> Float, derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let px = pointer, py = out.pointer
        parallelChunks(count) { s, e in
            for i in s..<e { py[i] = f(px[i]) }
        }
        let ys = out.storage  // the output's values, not the output: no reference cycle
        return out.recording([self]) { [self] g in
            let (gx, isNew) = self.gradStorageForAccumulation()
            let pg = g.pointer, px = self.pointer, py = ys.pointer
            parallelChunks(g.count) { s, e in
                if isNew {
                    for i in s..<e { gx[i] = pg[i] * derivative(px[i], py[i]) }
                } else {
                    for i in s..<e { gx[i] += pg[i] * derivative(px[i], py[i]) }
                }
            }
        }
    }

    public func exp() -> Tensor { map { expf($0) } derivative: { _, y in y } }
    public func log() -> Tensor { map { logf($0) } derivative: { x, _ in 1 / x } }
    public func sqrt() -> Tensor { map { $0.squareRoot() } derivative: { _, y in 0.5 / y } }
    public func pow(_ p: Float) -> Tensor {
        map { powf($0, p) } derivative: { x, _ in p * powf(x, p - 1) }
    }
    public func square() -> Tensor { map { $0 * $0 } derivative: { x, _ in 2 * x } }
    public func abs() -> Tensor { map { Swift.abs($0) } derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) } }
    /// Written out rather than through `map`: the hottest activation, and a derivative called
    /// through a closure per element does not vectorise.
    public func relu() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let px = pointer, py = out.pointer
        parallelChunks(count, minimumPerThread: 65_536) { s, e in
            for i in s..<e { py[i] = px[i] > 0 ? px[i] : 0 }
        }
        return out.recording([self]) { [self] g in
            let (gx, isNew) = self.gradStorageForAccumulation()
            let pg = g.pointer, px = self.pointer
            parallelChunks(g.count, minimumPerThread: 65_536) { s, e in
                if isNew {
                    for i in s..<e { gx[i] = pg[i] * (px[i] > 0 ? 1 : 0) }
                } else {
                    for i in s..<e { gx[i] += pg[i] * (px[i] > 0 ? 1 : 0) }
                }
            }
        }
    }
    public func tanh() -> Tensor { map { tanhf($0) } derivative: { _, y in 1 - y * y } }
    public func sigmoid() -> Tensor { map { 1 / (1 + expf(-$0)) } derivative: { _, y in y * (1 - y) } }

    /// log(1 + eˣ), written so neither branch overflows; its derivative is the sigmoid.
    public func softplus() -> Tensor {
        map { x in Swift.max(x, 0) + log1pf(expf(-Swift.abs(x))) } derivative: { x, _ in 1 / (1 + expf(-x)) }
    }

    /// log(eˣ − 1) for x > 0 (the inverse of softplus), as x + log(1 − e⁻ˣ) so large x does not
    /// overflow; x is floored at 1e-30, where the value is about −69.
    public func logExpm1() -> Tensor {
        map { x in let u = Swift.max(x, 1e-30); return u + logf(-expm1f(-u)) } derivative: { x, _ in 1 / -expm1f(-Swift.max(x, 1e-30)) }
    }

    /// GELU with the exact erf form (PyTorch's default).
    public func gelu() -> Tensor {
        map { x in 0.5 * x * (1 + erff(x * 0.70710678)) } derivative: { x, _ in
            0.5 * (1 + erff(x * 0.70710678)) + x * 0.39894228 * expf(-0.5 * x * x)
        }
    }

    /// Clamp to [low, high]; gradient passes where the value was inside.
    public func clamped(min low: Float, max high: Float) -> Tensor {
        map { Swift.min(Swift.max($0, low), high) } derivative: { x, _ in x >= low && x <= high ? 1 : 0 }
    }
}
