import Foundation

/// The sparsity gradual magnitude pruning aims at, step by step (Zhu & Gupta 2017, "To prune, or
/// not to prune"): 0 before `startStep`, then from `initial` to `target` by `endStep`, then
/// `target`. The cubic shape, s_t = s_f + (s_i − s_f)(1 − (t − t₀)/(t₁ − t₀))³, prunes fast while
/// the network is redundant and slowly as fewer weights remain.
public struct PruningSchedule: Sendable, Equatable {
    public enum Shape: String, CaseIterable, Sendable {
        /// Zhu & Gupta's cubic ramp.
        case cubic
        /// A straight ramp.
        case linear
        /// The whole target at `startStep`.
        case oneShot = "one_shot"
    }

    public var target: Double
    public var initial: Double
    public var startStep: Int
    public var endStep: Int
    public var shape: Shape

    public init(target: Double, initial: Double = 0, startStep: Int, endStep: Int, shape: Shape) {
        precondition((0..<1).contains(target) && (0...target).contains(initial) && 0 <= startStep && startStep <= endStep,
                     "pruning schedule: 0 ≤ initial \(initial) ≤ target \(target) < 1 and 0 ≤ start \(startStep) ≤ end \(endStep)")
        self.target = target; self.initial = initial; self.startStep = startStep; self.endStep = endStep; self.shape = shape
    }

    /// The sparsity due at step `t` (0-based).
    public func sparsity(atStep t: Int) -> Double {
        if t < startStep { return 0 }
        if t >= endStep || shape == .oneShot { return target }
        let progress = Double(t - startStep) / Double(endStep - startStep)
        switch shape {
        case .cubic: return target + (initial - target) * Foundation.pow(1 - progress, 3)
        case .linear: return initial + (target - initial) * progress
        case .oneShot: return target
        }
    }

    /// Whether the masks are recomputed at step `t`: every `frequency` steps from `startStep`,
    /// and at `endStep`, where the target is reached.
    public func updates(atStep t: Int, frequency: Int) -> Bool {
        t >= startStep && t <= endStep && ((t - startStep) % Swift.max(frequency, 1) == 0 || t == endStep)
    }
}
