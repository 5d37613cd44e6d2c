#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a loss combines its per-element values, as PyTorch's `reduction=`.
public enum LossReduction: String, Sendable, CaseIterable {
    /// Average (for weighted cross-entropy: divided by the summed weights of counted samples).
    case mean
    case sum
    /// One loss per element (or per sample), unreduced.
    case none
}

/// Fused loss kernels: forward and backward in one pass each, in the numerically stable form
/// (no `log(sigmoid(x))` that turns into `log(0)` for large |x|). The user-facing API with
/// argument checking lives in NN (`binaryCrossEntropyWithLogits`, `focalLoss`,
/// `softmaxCrossEntropy`).
public enum LossKernels {
    /// σ(x), σ(−x) and log(1 + e^−|x|) from a single exp.
    @inline(__always)
    static func sigmoidPair(_ x: Float) -> (positive: Float, negative: Float, log1pExp: Float) {
        let e = expf(-Swift.abs(x))
        let inv = 1 / (1 + e)
        return x >= 0 ? (inv, e * inv, log1pf(e)) : (e * inv, inv, log1pf(e))
    }

    /// Per-element losses in `values`, reduced per `reduction` into a new tensor.
    /// Reductions are summed in Double, sequentially, so results do not depend on threads.
    static func reduce(_ values: Storage, shape: [Int], reduction: LossReduction, divisor: Double) -> Tensor {
        switch reduction {
        case .none:
            return Tensor(shape: shape, storage: values)
        case .sum, .mean:
            var total = 0.0
            let p = values.pointer
            for i in 0..<values.count { total += Double(p[i]) }
            if reduction == .mean { total = divisor > 0 ? total / divisor : 0 }
            return Tensor(scalar: Float(total))
        }
    }

    /// The output gradient for element `i`: per element for `.none`, one scaled scalar otherwise.
    @inline(__always)
    static func outputGrad(_ g: UnsafePointer<Float>, _ i: Int, reduction: LossReduction, scale: Float) -> Float {
        reduction == .none ? g[i] : g[0] * scale
    }

    /// `BCEWithLogitsLoss(pos_weight=)`: ℓ = −[w·t·log σ(x) + (1−t)·log(1−σ(x))]
    /// = w·t·softplus(−x) + (1−t)·softplus(x). `positiveWeights` has one value, or one per
    /// class along the last dimension. Differentiable in the logits and the targets.
    public static func binaryCrossEntropyWithLogits(
        logits: Tensor, targets: Tensor, positiveWeights: [Float]?, reduction: LossReduction
    ) -> Tensor {
        precondition(logits.shape == targets.shape, "BCE targets \(targets.shape) do not match logits \(logits.shape)")
        let weights = positiveWeights ?? [1]
        let classes = weights.count
        precondition(classes == 1 || classes == logits.shape.last, "\(classes) positive weights for logits \(logits.shape)")
        let n = logits.count
        let values = Storage(count: n)
        let px = logits.pointer, pt = targets.pointer, pl = values.pointer
        weights.withUnsafeBufferPointer { pw in
            parallelChunks(n, minimumPerThread: 16_384) { s, e in
                for i in s..<e {
                    let x = px[i], t = pt[i], w = pw[classes == 1 ? 0 : i % classes]
                    let l = sigmoidPair(x).log1pExp
                    pl[i] = w * t * (Swift.max(-x, 0) + l) + (1 - t) * (Swift.max(x, 0) + l)
                }
            }
        }
        let out = reduce(values, shape: logits.shape, reduction: reduction, divisor: Double(n))
        let scale: Float = reduction == .mean ? 1 / Float(Swift.max(n, 1)) : 1
        return out.recording([logits, targets]) { g in
            let gx = logits.requiresGrad ? logits.gradStorage() : nil
            let gt = targets.requiresGrad ? targets.gradStorage() : nil
            let pg = g.pointer, px = logits.pointer, pt = targets.pointer
            weights.withUnsafeBufferPointer { pw in
                parallelChunks(n, minimumPerThread: 16_384) { s, e in
                    for i in s..<e {
                        let x = px[i], t = pt[i], w = pw[classes == 1 ? 0 : i % classes]
                        let (sp, sn, l) = sigmoidPair(x)
                        let go = outputGrad(pg, i, reduction: reduction, scale: scale)
                        // dℓ/dx = −w·t·σ(−x) + (1−t)·σ(x);  dℓ/dt = w·softplus(−x) − softplus(x)
                        gx?[i] += go * ((1 - t) * sp - w * t * sn)
                        gt?[i] += go * (w * (Swift.max(-x, 0) + l) - (Swift.max(x, 0) + l))
                    }
                }
            }
        }
    }

    /// torchvision's `sigmoid_focal_loss`: ℓ = α_t · BCE(x, t) · (1 − p_t)^γ with
    /// p_t = σ(x)·t + (1−σ(x))·(1−t) and α_t = α·t + (1−α)·(1−t) (no α weighting when nil).
    /// Differentiable in the logits and the targets.
    public static func sigmoidFocalLoss(
        logits: Tensor, targets: Tensor, alpha: Float?, gamma: Float, reduction: LossReduction
    ) -> Tensor {
        precondition(logits.shape == targets.shape, "focal loss targets \(targets.shape) do not match logits \(logits.shape)")
        precondition(gamma >= 0, "focal loss gamma \(gamma) < 0")
        let n = logits.count
        let values = Storage(count: n)
        let px = logits.pointer, pt = targets.pointer, pl = values.pointer
        // α_t = a0 + a1·t (α = nil: 1), and dα_t/dt = a1.
        let a1: Float = alpha.map { 2 * $0 - 1 } ?? 0, a0: Float = alpha.map { 1 - $0 } ?? 1
        parallelChunks(n, minimumPerThread: 8_192) { s, e in
            for i in s..<e {
                let x = px[i], t = pt[i]
                let (sp, sn, l) = sigmoidPair(x)
                let ce = t * (Swift.max(-x, 0) + l) + (1 - t) * (Swift.max(x, 0) + l)
                let m = sp * (1 - t) + sn * t  // 1 − p_t, without the cancellation of 1 − p_t
                pl[i] = (a0 + a1 * t) * ce * powf(m, gamma)
            }
        }
        let out = reduce(values, shape: logits.shape, reduction: reduction, divisor: Double(n))
        let scale: Float = reduction == .mean ? 1 / Float(Swift.max(n, 1)) : 1
        return out.recording([logits, targets]) { g in
            let gx = logits.requiresGrad ? logits.gradStorage() : nil
            let gt = targets.requiresGrad ? targets.gradStorage() : nil
            let pg = g.pointer, px = logits.pointer, pt = targets.pointer
            parallelChunks(n, minimumPerThread: 8_192) { s, e in
                for i in s..<e {
                    let x = px[i], t = pt[i]
                    let (sp, sn, l) = sigmoidPair(x)
                    let ce = t * (Swift.max(-x, 0) + l) + (1 - t) * (Swift.max(x, 0) + l)
                    let m = sp * (1 - t) + sn * t
                    let a = a0 + a1 * t
                    let mg = powf(m, gamma)
                    // d(m^γ)/dm, finite at m = 0 (where dm/dx vanishes too).
                    let dmg: Float = gamma == 0 ? 0 : (m > 0 ? gamma * powf(m, gamma - 1) : (gamma == 1 ? 1 : 0))
                    let go = outputGrad(pg, i, reduction: reduction, scale: scale)
                    // dce/dx = σ − t, dm/dx = σ(1−σ)(1−2t); dce/dt = −x, dm/dt = σ(−x) − σ(x)
                    gx?[i] += go * a * ((sp - t) * mg + ce * dmg * sp * sn * (1 - 2 * t))
                    gt?[i] += go * (a1 * ce * mg + a * (-x * mg + ce * dmg * (sn - sp)))
                }
            }
        }
    }

    /// `CrossEntropyLoss(weight=, ignore_index=)` over `[N, C]` logits and N class labels:
    /// ℓᵢ = wᵧ·(logsumexp(xᵢ) − xᵢᵧ); the mean divides by Σ wᵧ over counted samples.
    /// Samples labelled `ignoreIndex` contribute nothing; when every sample is ignored the mean
    /// is 0 (PyTorch returns NaN) so a training loop does not poison its parameters.
    public static func softmaxCrossEntropy(
        logits: Tensor, labels: [Int32], classWeights: [Float]?, ignoreIndex: Int32, reduction: LossReduction
    ) -> Tensor {
        precondition(logits.rank == 2, "cross-entropy needs [N, C] logits, got \(logits.shape)")
        let rows = logits.shape[0], classes = logits.shape[1]
        precondition(labels.count == rows, "\(labels.count) labels for \(rows) rows of logits")
        precondition(classWeights == nil || classWeights!.count == classes, "\(classWeights!.count) class weights for \(classes) classes")
        for y in labels where y != ignoreIndex {
            precondition(y >= 0 && Int(y) < classes, "label \(y) out of range for \(classes) classes")
        }
        let values = Storage(count: rows)
        let logSumExp = Storage(count: rows)
        let sampleWeights = Storage(count: rows)
        let px = logits.pointer, pl = values.pointer, plse = logSumExp.pointer, pw = sampleWeights.pointer
        let minimumRows = Swift.max(1, 16_384 / Swift.max(classes, 1))
        labels.withUnsafeBufferPointer { py in
            let cw = classWeights ?? []
            cw.withUnsafeBufferPointer { cw in
                parallelChunks(rows, minimumPerThread: minimumRows) { s, e in
                    for r in s..<e {
                        let x = px + r * classes
                        var m = -Float.infinity
                        for k in 0..<classes { m = Swift.max(m, x[k]) }
                        var sum: Float = 0
                        for k in 0..<classes { sum += expf(x[k] - m) }
                        let lse = m + logf(sum)
                        plse[r] = lse
                        let y = py[r]
                        if y == ignoreIndex {
                            pw[r] = 0; pl[r] = 0
                        } else {
                            let w = cw.isEmpty ? 1 : cw[Int(y)]
                            pw[r] = w
                            pl[r] = w * (lse - x[Int(y)])
                        }
                    }
                }
            }
        }
        var totalWeight = 0.0
        for r in 0..<rows { totalWeight += Double(pw[r]) }
        let out = reduce(values, shape: [rows], reduction: reduction, divisor: totalWeight)
        let scale: Float = reduction == .mean ? (totalWeight > 0 ? Float(1 / totalWeight) : 0) : 1
        return out.recording([logits]) { [logSumExp, sampleWeights] g in
            let gx = logits.gradStorage(), pg = g.pointer, px = logits.pointer
            let plse = logSumExp.pointer, pw = sampleWeights.pointer
            labels.withUnsafeBufferPointer { py in
                parallelChunks(rows, minimumPerThread: minimumRows) { s, e in
                    for r in s..<e where pw[r] != 0 {
                        // dℓᵢ/dx = wᵧ·(softmax(xᵢ) − onehot(y))
                        let go = outputGrad(pg, r, reduction: reduction, scale: scale) * pw[r]
                        let x = px + r * classes, d = gx + r * classes, lse = plse[r]
                        for k in 0..<classes { d[k] += go * expf(x[k] - lse) }
                        d[Int(py[r])] -= go
                    }
                }
            }
        }
    }
}
