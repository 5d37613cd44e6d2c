import Testing
import Tensor
import NN
import TestSupport

@Suite struct LearningRateScheduleTests {
    @Test func cosineWithWarmup() throws {
        let s = try LearningRateSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, decay: .cosine, minLearningRate: 0.1)
        #expect(nearlyEqual([s.learningRate(atStep: 0)], [0.1]))  // (0 + 1)/10
        #expect(nearlyEqual([s.learningRate(atStep: 4)], [0.5]))
        #expect(nearlyEqual([s.learningRate(atStep: 9)], [1]))
        #expect(nearlyEqual([s.learningRate(atStep: 10)], [1]))  // decay starts from the peak
        #expect(nearlyEqual([s.learningRate(atStep: 60)], [0.55]))  // half-way: min + (peak − min)/2
        #expect(nearlyEqual([s.learningRate(atStep: 35)], [0.1 + 0.9 * 0.5 * (1 + 0.70710678)]))  // cos(π/4)
        #expect(nearlyEqual([s.learningRate(atStep: 110)], [0.1]))
        #expect(nearlyEqual([s.learningRate(atStep: 5000)], [0.1]))
    }

    @Test func linearDecayToRatio() throws {
        let s = try LearningRateSchedule(peak: 2, warmupSteps: 0, totalSteps: 100, decay: .linear, minRatio: 0.25)
        #expect(s.minimum == 0.5)
        #expect(nearlyEqual([s.learningRate(atStep: 0)], [2]))
        #expect(nearlyEqual([s.learningRate(atStep: 25)], [0.5 + 1.5 * 0.75]))
        #expect(nearlyEqual([s.learningRate(atStep: 100)], [0.5]))
    }

    @Test func constantAfterWarmup() throws {
        let s = try LearningRateSchedule.constant(0.3, warmupSteps: 3)
        #expect(nearlyEqual((0..<6).map(s.learningRate(atStep:)), [0.1, 0.2, 0.3, 0.3, 0.3, 0.3]))
        let flat = try LearningRateSchedule.constant(0.3)
        #expect(flat.learningRate(atStep: 0) == 0.3 && flat.learningRate(atStep: 1_000_000) == 0.3)
    }

    @Test func invalidSettingsThrow() {
        #expect(throws: OptimizerError.self) { try LearningRateSchedule(peak: 1, warmupSteps: 10, totalSteps: 5, decay: .cosine) }
        #expect(throws: OptimizerError.self) { try LearningRateSchedule(peak: 1, totalSteps: 5, decay: .cosine, minLearningRate: 2) }
        #expect(throws: OptimizerError.self) { try LearningRateSchedule(peak: 1, totalSteps: 5, decay: .linear, minRatio: 1.5) }
        #expect(throws: OptimizerError.self) { try LearningRateSchedule(peak: -1, totalSteps: 5, decay: .linear) }
    }
}

@Suite struct GradientClippingTests {
    private func buffer(gradients: [Float]) -> (ParameterBuffer, Tensor) {
        let p = Tensor(zeros: [gradients.count], requiresGrad: true)
        let buffer = ParameterBuffer(parameters: [("p", p)])
        p.grad!.assign(Tensor(gradients, shape: [gradients.count]))
        return (buffer, p)
    }

    @Test func clipsToMaxNormAndReturnsNormBefore() {
        let (b, p) = buffer(gradients: [3, 4])
        let report = clipGradientNorm(b, maxNorm: 1)
        #expect(report.norm == 5 && report.isFinite && report.clipped)
        #expect(nearlyEqual(p.grad!.scalars, [0.6, 0.8]))
        #expect(nearlyEqual([gradientNorm(b)], [1]))
    }

    @Test func leavesSmallGradientsAlone() {
        let (b, p) = buffer(gradients: [3, 4])
        let report = clipGradientNorm(b, maxNorm: 10)
        #expect(report.norm == 5 && report.scale == 1 && !report.clipped)
        #expect(p.grad!.scalars == [3, 4])
    }

    @Test func nonFiniteNormIsReportedNotApplied() {
        for bad in [Float.nan, .infinity] {
            let (b, p) = buffer(gradients: [1, bad, 2])
            let report = clipGradientNorm(b, maxNorm: 1)
            #expect(!report.isFinite)
            #expect(p.grad![0] == 1 && p.grad![2] == 2)
        }
    }

    @Test func normOverManyParametersAndChunks() {
        let w = Tensor(zeros: [300, 100], requiresGrad: true)
        let v = Tensor(zeros: [7], requiresGrad: true)
        let buffer = ParameterBuffer(parameters: [("v", v), ("w", w)])
        buffer.gradients.pointer.update(repeating: 2, count: buffer.count)
        #expect(nearlyEqual([gradientNorm(buffer)], [2 * Float(30_007).squareRoot()]))
    }
}
