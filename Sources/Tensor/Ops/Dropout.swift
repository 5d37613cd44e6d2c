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
        // The draws are sequential (one stream); four lanes per draw, written without branches.
        var rng = generator
        @inline(__always) func factor(_ bits: UInt64) -> Float { (bits & 0xFFFF) < threshold ? 0 : scale }
        let groups = n / 4
        for q in 0..<groups {
            let r = rng.next(), m = pm + 4 * q
            m[0] = factor(r); m[1] = factor(r >> 16); m[2] = factor(r >> 32); m[3] = factor(r >> 48)
        }
        if 4 * groups < n {
            var r = rng.next()
            for i in (4 * groups)..<n { pm[i] = factor(r); r >>= 16 }
        }
        generator = rng
        let out = Tensor(uninitializedShape: shape)
        let px = pointer, po = out.pointer
        parallelChunks(n, minimumPerThread: 65_536) { s, e in
            for j in s..<e { po[j] = px[j] * pm[j] }
        }
        return out.recording([self]) { [self] g in
            let gx = self.gradStorage(), pg = g.pointer, pm = mask.pointer
            parallelChunks(n, minimumPerThread: 65_536) { s, e in
                for j in s..<e { gx[j] += pg[j] * pm[j] }
            }
        }
    }
}
