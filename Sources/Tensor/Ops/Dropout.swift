/// Inverted dropout with a fast mask: one 64-bit draw yields four 16-bit uniforms.
extension Tensor {
    /// Zeroes each element with probability `p` and scales the rest by 1/(1−p).
    public func dropout(probability p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        if p == 0 { return self }
        let n = count
        let scale = 1 / (1 - p)
        let threshold = UInt64((p * 65536).rounded())
        // Backward needs only the mask; it is stored as the per-element factor (0 or scale).
        let mask = Storage(count: n)
        let pm = mask.pointer
        var i = 0
        while i < n {
            var r = generator.next()
            let m = Swift.min(4, n - i)
            for k in 0..<m {
                pm[i + k] = (r & 0xFFFF) < threshold ? 0 : scale
                r >>= 16
            }
            i += m
        }
        let out = Tensor(uninitializedShape: shape)
        let px = pointer, po = out.pointer
        for j in 0..<n { po[j] = px[j] * pm[j] }
        return out.recording([self]) { [self] g in
            let gx = self.gradStorage(), pg = g.pointer, pm = mask.pointer
            for j in 0..<n { gx[j] += pg[j] * pm[j] }
        }
    }
}
