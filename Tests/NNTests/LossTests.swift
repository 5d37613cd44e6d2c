import Foundation
import Testing
import Tensor
import NN
import TestSupport

@Suite struct BinaryCrossEntropyTests {
    @Test func zeroLogitGivesLogTwo() {
        let loss = binaryCrossEntropyWithLogits(Tensor([0, 0, 0], shape: [3]), Tensor([1, 0, 0.5], shape: [3]), reduction: .none)
        #expect(nearlyEqual(loss.scalars, [Float](repeating: Float(M_LN2), count: 3)))
    }

    @Test func largeLogitsStayFinite() {
        let x = Tensor([100, 100, -100, -100], shape: [4], requiresGrad: true)
        let t = Tensor([1, 0, 1, 0], shape: [4])
        let loss = binaryCrossEntropyWithLogits(x, t, reduction: .none)
        #expect(nearlyEqual(loss.scalars, [0, 100, 100, 0]))
        let mean = binaryCrossEntropyWithLogits(x, t)
        mean.backward()
        #expect(mean.item == 50)
        // dℓ/dx = σ(x) − t, over 4 elements.
        #expect(nearlyEqual(x.grad!.scalars, [0, 0.25, -0.25, 0]))
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite })
    }

    @Test func positiveWeightHandComputed() {
        // ℓ = w·t·softplus(−x) + (1 − t)·softplus(x), w = 3, x = 0.5
        let x = Tensor([0.5, 0.5, 0.5], shape: [3])
        let t = Tensor([1, 0, 0.25], shape: [3])
        let loss = binaryCrossEntropyWithLogits(x, t, positiveWeight: 3, reduction: .none)
        #expect(nearlyEqual(loss.scalars, [1.42223095, 0.97407698, 1.08611548]))
        let sum = binaryCrossEntropyWithLogits(x, t, positiveWeight: 3, reduction: .sum)
        #expect(nearlyEqual([sum.item], [1.42223095 + 0.97407698 + 1.08611548]))
    }

    @Test func matchesNaiveFormulaForModerateLogits() {
        let x = randomInput([4, 5], seed: 3, scale: 2).detached()
        let t = softTargets([4, 5], seed: 4).detached()
        let fused = binaryCrossEntropyWithLogits(x, t, positiveWeights: [1, 2, 3, 0.5, 1], reduction: .none)
        let w = Tensor([1, 2, 3, 0.5, 1], shape: [5])
        let naive = -(w * t * x.sigmoid().log() + (1 - t) * (1 - x.sigmoid()).log())
        #expect(nearlyEqual(fused.scalars, naive.scalars, tolerance: 1e-5))
        let mean = binaryCrossEntropyWithLogits(x, t, positiveWeights: [1, 2, 3, 0.5, 1])
        #expect(nearlyEqual([mean.item], [naive.mean().item]))
    }

    @Test func gradients() throws {
        let x = randomInput([3, 4], seed: 1, scale: 3)
        let t = softTargets([3, 4], seed: 2)
        for reduction in LossReduction.allCases {
            try checkGradients(of: [x, t]) { binaryCrossEntropyWithLogits(x, t, reduction: reduction) }
            try checkGradients(of: [x, t]) { binaryCrossEntropyWithLogits(x, t, positiveWeight: 2.5, reduction: reduction) }
        }
        try checkGradients(of: [x, t]) { binaryCrossEntropyWithLogits(x, t, positiveWeights: [1, 2, 0.5, 4]) }
    }
}

@Suite struct FocalLossTests {
    @Test func knownValues() {
        // torchvision: α_t · BCE · (1 − p_t)^γ with α = 0.25, γ = 2.
        let x = Tensor([0, 1.5, -0.7], shape: [3])
        let t = Tensor([1, 0, 1], shape: [3])
        let loss = focalLoss(x, t, alpha: 0.25, gamma: 2, reduction: .none)
        #expect(nearlyEqual(loss.scalars, [0.04332170, 0.85295424, 0.12313622]))
    }

    @Test func withoutFocusingItIsBinaryCrossEntropy() {
        let x = randomInput([2, 6], seed: 5, scale: 3).detached()
        let t = softTargets([2, 6], seed: 6).detached()
        let focal = focalLoss(x, t, alpha: nil, gamma: 0, reduction: .none)
        #expect(nearlyEqual(focal.scalars, binaryCrossEntropyWithLogits(x, t, reduction: .none).scalars))
    }

    @Test func largeLogitsStayFinite() {
        let x = Tensor([100, -100, 100, -100], shape: [4], requiresGrad: true)
        let t = Tensor([1, 0, 0, 1], shape: [4])
        let loss = focalLoss(x, t, reduction: .sum)
        loss.backward()
        // Confidently wrong: BCE 100 · (1 − p_t)^γ = 1, weighted by α_t (0.75 then 0.25).
        #expect(nearlyEqual([loss.item], [75 + 25]))
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite })
    }

    @Test func gradients() throws {
        let x = randomInput([3, 4], seed: 7, scale: 2)
        let t = softTargets([3, 4], seed: 8)
        for reduction in LossReduction.allCases {
            try checkGradients(of: [x, t]) { focalLoss(x, t, alpha: 0.25, gamma: 2, reduction: reduction) }
        }
        try checkGradients(of: [x, t]) { focalLoss(x, t, alpha: nil, gamma: 1.5) }
        try checkGradients(of: [x, t]) { focalLoss(x, t, alpha: 0.6, gamma: 1) }
        // Hard {0, 1} labels, the usual case.
        let hard = Tensor([1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1], shape: [3, 4])
        try checkGradients(of: [x]) { focalLoss(x, hard) }
    }
}

@Suite struct SoftmaxCrossEntropyTests {
    @Test func uniformLogitsGiveLogClasses() {
        let loss = softmaxCrossEntropy(Tensor(zeros: [4, 5]), labels: [0, 1, 2, 4])
        #expect(nearlyEqual([loss.item], [Float(Foundation.log(5.0))]))
    }

    @Test func knownValue() {
        let loss = softmaxCrossEntropy(Tensor([1, 2, 3], shape: [1, 3]), labels: IndexTensor([2], shape: [1]))
        #expect(nearlyEqual([loss.item], [0.40760596]))
    }

    @Test func largeLogitsStayFinite() {
        let x = Tensor([1000, -1000, 0, -1000, 1000, 0], shape: [2, 3], requiresGrad: true)
        let loss = softmaxCrossEntropy(x, labels: [1, 1])
        loss.backward()
        #expect(nearlyEqual([loss.item], [1000]))  // (2000 + 0) / 2
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite })
    }

    @Test func classWeightsAndIgnoredSamplesAsPyTorch() {
        let x = randomInput([5, 3], seed: 9).detached()
        let labels: [Int32] = [0, 2, -100, 1, 2]
        let weights: [Float] = [0.5, 2, 1.5]
        // Hand computation: ℓᵢ = w_yᵢ·(logsumexp(xᵢ) − xᵢyᵢ); mean = Σℓᵢ / Σw_yᵢ over kept rows.
        var perRow: [Float] = [], total = 0.0, weightSum = 0.0
        for r in 0..<5 {
            guard labels[r] != -100 else { perRow.append(0); continue }
            let row = (0..<3).map { Double(x[r, $0]) }
            let lse = Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +))
            let w = Double(weights[Int(labels[r])])
            perRow.append(Float(w * (lse - row[Int(labels[r])])))
            total += w * (lse - row[Int(labels[r])])
            weightSum += w
        }
        let none = softmaxCrossEntropy(x, labels: labels, classWeights: weights, reduction: .none)
        #expect(none.shape == [5])
        #expect(nearlyEqual(none.scalars, perRow))
        #expect(nearlyEqual([softmaxCrossEntropy(x, labels: labels, classWeights: weights).item], [Float(total / weightSum)]))
        #expect(nearlyEqual([softmaxCrossEntropy(x, labels: labels, classWeights: weights, reduction: .sum).item], [Float(total)]))
    }

    @Test func allIgnoredGivesZeroLossAndGradient() {
        let x = randomInput([2, 3], seed: 10)
        let loss = softmaxCrossEntropy(x, labels: [-1, -1], ignoreIndex: -1)
        loss.backward()
        #expect(loss.item == 0)
        #expect(x.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true)
    }

    @Test func gradients() throws {
        let x = randomInput([6, 4], seed: 11, scale: 2)
        let labels: [Int32] = [3, 0, 7, 1, 2, 3]
        for reduction in LossReduction.allCases {
            try checkGradients(of: [x]) { softmaxCrossEntropy(x, labels: labels, ignoreIndex: 7, reduction: reduction) }
            try checkGradients(of: [x]) {
                softmaxCrossEntropy(x, labels: labels, classWeights: [1, 0.5, 2, 3], ignoreIndex: 7, reduction: reduction)
            }
        }
    }

    @Test func agreesWithLogSoftmaxComposition() {
        let x = randomInput([4, 6], seed: 12).detached()
        let labels: [Int32] = [5, 0, 2, 2]
        let logProbabilities = x.logSoftmax(axis: -1)
        let expected = -(0..<4).map { Double(logProbabilities[$0, Int(labels[$0])]) }.reduce(0, +) / 4
        #expect(nearlyEqual([softmaxCrossEntropy(x, labels: labels).item], [Float(expected)]))
    }
}
