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
        let limit = SIMD4<Int32>(repeating: Int32(threshold)), low = SIMD4<Int32>(repeating: 0xFFFF)
        let zero = SIMD4<Float>(repeating: 0), scales = SIMD4<Float>(repeating: scale)
        let raw = UnsafeMutableRawPointer(pm)
        for q in 0..<groups {
            // Lane k is bits 16k..<16k+16 of the draw; a vector compare and select, no branches
            // (a dropped element is a coin flip a branch predictor cannot learn).
            let r = rng.next()
            let lanes = SIMD4<Int32>(Int32(truncatingIfNeeded: r), Int32(truncatingIfNeeded: r >> 16),
                                     Int32(truncatingIfNeeded: r >> 32), Int32(truncatingIfNeeded: r >> 48)) & low
            raw.storeBytes(of: scales.replacing(with: zero, where: lanes .< limit), toByteOffset: 16 * q, as: SIMD4<Float>.self)
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
            let (gx, isNew) = self.gradStorageForAccumulation()
            let pg = g.pointer, pm = mask.pointer
            parallelChunks(n, minimumPerThread: 65_536) { s, e in
                if isNew {
                    for j in s..<e { gx[j] = pg[j] * pm[j] }
                } else {
                    for j in s..<e { gx[j] += pg[j] * pm[j] }
                }
            }
        }
    }
}
