/// Inverted dropout with a fast mask: one 64-bit draw yields four 16-bit uniforms.
extension Tensor {
    /// Zeroes each element with probability `p` and scales the rest by 1/(1−p).
    public func dropout(probability p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        if p == 0 { return self }
        let n = count
        let draws = DropoutDraws(probability: p)
        let scale = draws.scale, threshold = draws.threshold
        // Backward needs only the mask; it is stored as the per-element factor (0 or scale).
        let mask = Storage(count: n)
        let pm = mask.pointer
        // The draws are sequential (one stream); four lanes per draw, written without branches.
        var rng = generator
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
            for i in (4 * groups)..<n { pm[i] = draws.factor(r); r >>= 16 }
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

/// Inverted dropout's mask as a function of position: element j of a tensor takes bits
/// 16·(j mod 4) ..< 16·(j mod 4) + 16 of draw j / 4 of one stream, and is dropped when they
/// fall below `threshold` (p · 65536). Kept elements are scaled by `scale` = 1/(1−p).
struct DropoutDraws {
    let scale: Float
    let threshold: UInt64

    init(probability p: Float) {
        scale = 1 / (1 - p)
        threshold = UInt64((p * 65536).rounded())
    }

    /// The factor (0 or `scale`) of the low 16 bits of `bits`.
    @inline(__always)
    func factor(_ bits: UInt64) -> Float { (bits & 0xFFFF) < threshold ? 0 : scale }

    /// The stream's state at the draw holding the first element of each of `blocks` blocks of
    /// `blockSize` elements; `generator` ends where a `dropout` of all of them leaves it.
    /// Saving these lets a block's mask be drawn again later instead of being stored.
    static func blockStarts(_ generator: inout RandomGenerator, blocks: Int, blockSize: Int) -> [RandomGenerator] {
        var rng = generator, starts: [RandomGenerator] = [], drawn = 0
        starts.reserveCapacity(blocks)
        for block in 0..<blocks {
            let first = block * blockSize / 4
            while drawn < first { _ = rng.next(); drawn += 1 }
            starts.append(rng)
        }
        for _ in drawn..<((blocks * blockSize + 3) / 4) { _ = rng.next() }
        generator = rng
        return starts
    }

    /// `output[j] = input[j] · factor` for the `count` elements from element `first` of the
    /// stream, `start` being its state at draw `first / 4`. `input` may be `output`.
    @inline(__always)
    func apply(from start: RandomGenerator, first: Int, count: Int, _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        var rng = start, j = 0
        if first % 4 != 0 {
            // The block starts inside a draw: its remaining lanes.
            var bits = rng.next() >> (16 * UInt64(first % 4))
            while j < count && (first + j) % 4 != 0 { output[j] = input[j] * factor(bits); bits >>= 16; j += 1 }
        }
        while j + 4 <= count {
            let r = rng.next()
            output[j] = input[j] * factor(r)
            output[j + 1] = input[j + 1] * factor(r >> 16)
            output[j + 2] = input[j + 2] * factor(r >> 32)
            output[j + 3] = input[j + 3] * factor(r >> 48)
            j += 4
        }
        if j < count {
            var bits = rng.next()
            while j < count { output[j] = input[j] * factor(bits); bits >>= 16; j += 1 }
        }
    }
}
