import Foundation
import Testing
import Tensor
import NN
import TestSupport

/// Two interleaved half circles (scikit-learn's make_moons), centred, with Gaussian noise.
func twoMoons(count: Int, noise: Float, generator: inout RandomGenerator) -> (points: Tensor, labels: [Int32]) {
    var coordinates: [Float] = [], labels: [Int32] = []
    for i in 0..<count {
        let label = i % 2
        let angle = Float.pi * generator.nextFloat()
        let (x, y) = label == 0 ? (Foundation.cos(angle), Foundation.sin(angle))
                                : (1 - Foundation.cos(angle), 0.5 - Foundation.sin(angle))
        coordinates += [x - 0.5 + noise * Float(generator.nextNormal()), y - 0.25 + noise * Float(generator.nextNormal())]
        labels.append(Int32(label))
    }
    return (Tensor(coordinates, shape: [count, 2]), labels)
}

@Suite struct TrainingTests {
    /// The whole loop: MLP, packed parameters, AdamW, warm-up + cosine schedule, clipping.
    @Test func mlpLearnsTwoMoons() throws {
        var g = RandomGenerator(seed: 7)
        let (points, labels) = twoMoons(count: 400, noise: 0.05, generator: &g)
        let model = MLP(inputSize: 2, hiddenSizes: [32, 32], outputSize: 2, activation: .tanh, generator: &g)
        let buffer = ParameterBuffer(module: model)
        let optimizer = try AdamW(parameters: buffer, learningRate: 0, weightDecay: 1e-4)
        let steps = 300
        let schedule = try LearningRateSchedule(peak: 0.02, warmupSteps: 20, totalSteps: steps, decay: .cosine, minRatio: 0.1)

        var firstLoss: Float = 0, lastLoss: Float = 0
        for step in 0..<steps {
            optimizer.zeroGrad()
            let loss = softmaxCrossEntropy(model(points), labels: labels)
            loss.backward()
            let report = clipGradientNorm(buffer, maxNorm: 5)
            try #require(report.isFinite, "non-finite gradient at step \(step)")
            optimizer.learningRate = schedule.learningRate(atStep: step)
            optimizer.step()
            if step == 0 { firstLoss = loss.item }
            lastLoss = loss.item
        }

        let logits = withoutGradients { model(points) }
        var correct = 0
        for i in 0..<labels.count where (logits[i, 1] > logits[i, 0] ? 1 : 0) == labels[i] { correct += 1 }
        let accuracy = Double(correct) / Double(labels.count)
        #expect(accuracy >= 0.99, "training accuracy \(accuracy), loss \(firstLoss) → \(lastLoss)")
        #expect(lastLoss < firstLoss / 10)
    }
}
