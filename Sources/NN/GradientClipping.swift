import Tensor

/// What `clipGradientNorm` found and did.
public struct GradientNormReport: Sendable, Equatable {
    /// The global L2 norm of all gradients before clipping (PyTorch's `clip_grad_norm_` return).
    public let norm: Float
    /// The factor the gradients were multiplied by (1 when no clipping was needed, or when
    /// the norm was not finite and nothing was touched).
    public let scale: Float
    /// False when some gradient is NaN or infinite. The gradients are then left as they are:
    /// the caller should skip the step (and perhaps lower the learning rate), not scale NaNs.
    public let isFinite: Bool

    public var clipped: Bool { scale < 1 }
}

/// The global L2 norm of every gradient in `buffer`, accumulated in Double over
/// fixed chunks (reproducible for a given thread count). Infinite or NaN if any gradient is.
public func gradientNorm(_ buffer: ParameterBuffer) -> Float {
    let g = buffer.gradients.pointer
    let n = buffer.count
    let chunkSize = 16_384
    let chunks = (n + chunkSize - 1) / chunkSize
    let partial = UnsafeMutablePointer<Double>.allocate(capacity: max(chunks, 1))
    defer { partial.deallocate() }
    // One partial sum per fixed-size chunk, then a sequential sum: the result does not depend
    // on how chunks are spread over threads.
    parallelChunks(chunks, minimumPerThread: 2) { s, e in
        for c in s..<e {
            var sum = 0.0
            for i in (c * chunkSize)..<min(n, (c + 1) * chunkSize) { sum += Double(g[i]) * Double(g[i]) }
            partial[c] = sum
        }
    }
    var total = 0.0
    for c in 0..<chunks { total += partial[c] }
    return Float(total.squareRoot())
}

/// Scales all gradients so their global L2 norm is at most `maxNorm`, as PyTorch's
/// `clip_grad_norm_` (scale = maxNorm / (norm + 1e-6), capped at 1). Returns the norm before
/// clipping. A non-finite norm is reported, not clipped.
public func clipGradientNorm(_ buffer: ParameterBuffer, maxNorm: Float) -> GradientNormReport {
    precondition(maxNorm > 0, "maxNorm \(maxNorm) must be positive")
    let norm = gradientNorm(buffer)
    guard norm.isFinite else { return GradientNormReport(norm: norm, scale: 1, isFinite: false) }
    let scale = min(1, maxNorm / (norm + 1e-6))
    if scale < 1 {
        let g = buffer.gradients.pointer
        parallelChunks(buffer.count) { s, e in
            for i in s..<e { g[i] *= scale }
        }
    }
    return GradientNormReport(norm: norm, scale: scale, isFinite: true)
}
