import CKernels

/// Inverted dropout with a fast mask: one 64-bit draw yields four 16-bit uniforms.
extension Tensor {
    /// Zeroes each element with probability `p` and scales the rest by 1/(1−p).
    public func dropout(probability p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        if p == 0 { return self }
        let n = count
        let draws = DropoutDraws(probability: p)
        // Backward needs only the mask; it is stored as the per-element factor (0 or scale). The
        // draws are one sequential stream; the kernel turns four draws into 16 factors and applies them.
        let mask = Storage(count: n), out = Tensor(uninitializedShape: shape)
        generator.withState { fl_dropout($0, 0, n, draws.threshold, draws.scale, pointer, mask.pointer, out.pointer) }
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
    let threshold: UInt32

    init(probability p: Float) {
        scale = 1 / (1 - p)
        threshold = UInt32((p * 65536).rounded())
    }

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
    /// stream, `start` being its state at draw `first / 4` (`fl_dropout`, no mask kept). `input`
    /// may be `output`.
    func apply(from start: RandomGenerator, first: Int, count: Int, _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        var rng = start
        rng.withState { fl_dropout($0, first % 4, count, threshold, scale, input, nil, output) }
    }
}
