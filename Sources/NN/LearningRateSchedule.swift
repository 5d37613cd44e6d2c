#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Learning rate as a pure function of the step: linear warm-up to `peak`, then constant, or
/// a cosine or linear decay to `minimum` at `totalSteps`, and `minimum` after that.
///
/// Steps count from 0 (the step about to be taken). Warm-up follows llm.c:
/// `peak·(step + 1)/warmupSteps`, so the first step already moves and step `warmupSteps − 1`
/// reaches the peak; the decay then runs from `peak` at step `warmupSteps` to `minimum`
/// at step `totalSteps`.
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Decay: String, Sendable, CaseIterable {
        case constant, cosine, linear
    }

    public let peak: Float
    public let minimum: Float
    public let warmupSteps: Int
    public let totalSteps: Int
    public let decay: Decay

    /// A schedule decaying to `minLearningRate`.
    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int, decay: Decay,
                minLearningRate: Float = 0) throws {
        try OptimizerError.check("peak learning rate", peak, "≥ 0", peak >= 0)
        try OptimizerError.check("minimum learning rate", minLearningRate, "in [0, peak]",
                                 minLearningRate >= 0 && minLearningRate <= peak)
        try OptimizerError.check("warmupSteps", Float(warmupSteps), "≥ 0", warmupSteps >= 0)
        try OptimizerError.check("totalSteps", Float(totalSteps), "≥ warmupSteps (\(warmupSteps))",
                                 totalSteps >= warmupSteps)
        self.peak = peak
        self.minimum = minLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.decay = decay
    }

    /// A schedule decaying to `minRatio · peak` (llm.c's `final_learning_rate_frac`).
    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int, decay: Decay, minRatio: Float) throws {
        try OptimizerError.check("minRatio", minRatio, "in [0, 1]", minRatio >= 0 && minRatio <= 1)
        try self.init(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, decay: decay,
                      minLearningRate: peak * minRatio)
    }

    /// A constant rate, after an optional warm-up.
    public static func constant(_ learningRate: Float, warmupSteps: Int = 0) throws -> LearningRateSchedule {
        try LearningRateSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: warmupSteps,
                                 decay: .constant, minLearningRate: learningRate)
    }

    public func learningRate(atStep step: Int) -> Float {
        let step = max(step, 0)
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if decay == .constant { return peak }
        if step >= totalSteps { return minimum }
        let progress = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)  // in [0, 1)
        let coefficient = decay == .cosine ? 0.5 * (1 + cos(Double.pi * progress)) : 1 - progress
        return minimum + Float(coefficient) * (peak - minimum)
    }
}
