import Testing
@testable import NN
import Tensor
import TestSupport

/// Gradual magnitude pruning: the schedule's values, exact sparsity, masks that only grow and
/// that optimizer steps cannot undo.
@Suite struct PruningTests {
    /// Zhu & Gupta's s_t = s_f + (s_i − s_f)(1 − (t − t₀)/(t₁ − t₀))³ at known points.
    @Test func scheduleKnownValues() {
        let cubic = PruningSchedule(target: 0.8, startStep: 10, endStep: 20, shape: .cubic)
        #expect(cubic.sparsity(atStep: 0) == 0)
        #expect(cubic.sparsity(atStep: 9) == 0)
        #expect(cubic.sparsity(atStep: 10) == 0)
        #expect(abs(cubic.sparsity(atStep: 12) - (0.8 - 0.8 * 0.512)) < 1e-12)  // (1 − 0.2)³ = 0.512
        #expect(abs(cubic.sparsity(atStep: 15) - 0.7) < 1e-12)                  // 0.8 − 0.8 · 0.125
        #expect(cubic.sparsity(atStep: 20) == 0.8)
        #expect(cubic.sparsity(atStep: 1000) == 0.8)
        let fromHalf = PruningSchedule(target: 0.9, initial: 0.5, startStep: 0, endStep: 4, shape: .cubic)
        #expect(abs(fromHalf.sparsity(atStep: 2) - (0.9 - 0.4 * 0.125)) < 1e-12)
        let linear = PruningSchedule(target: 0.8, startStep: 10, endStep: 20, shape: .linear)
        #expect(abs(linear.sparsity(atStep: 15) - 0.4) < 1e-12)
        let oneShot = PruningSchedule(target: 0.8, startStep: 10, endStep: 20, shape: .oneShot)
        #expect(oneShot.sparsity(atStep: 9) == 0 && oneShot.sparsity(atStep: 10) == 0.8)
        // Updates every 3 steps from the start, and at the end.
        #expect((0...25).filter { cubic.updates(atStep: $0, frequency: 3) } == [10, 13, 16, 19, 20])
    }

    /// A Linear, a Conv2d and a LayerNorm: only the two weights are prunable.
    final class Net: Module {
        let linear: Linear, conv: Conv2d, norm = LayerNorm(dimension: 6)
        init() {
            var g = RandomGenerator(seed: 7)
            linear = Linear(inputSize: 10, outputSize: 6, generator: &g)
            conv = Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &g)
        }
        var children: [(String, any Module)] { [("linear", linear), ("conv", conv), ("norm", norm)] }
    }

    func zeros(_ t: Tensor) -> Int { t.scalars.filter { $0 == 0 }.count }

    @Test func perLayerPruningReachesTheSparsityOnTheSmallestWeights() {
        let net = Net(), buffer = ParameterBuffer(module: net)
        let pruner = MagnitudePruner(module: net, parameters: buffer, scope: .layer)
        #expect(pruner.targets.map(\.name).sorted() == ["conv.weight", "linear.weight"])
        #expect(pruner.prunableCount == 60 + 54 && pruner.zeroCount == 0)
        let before = net.linear.weight.scalars, biases = net.linear.bias!.scalars + net.conv.bias!.scalars
        let norms = net.norm.namedParameters().flatMap(\.tensor.scalars)
        pruner.prune(to: 0.5)
        #expect(zeros(net.linear.weight) == 30 && zeros(net.conv.weight) == 27)
        #expect(pruner.sparsity == 0.5)
        // The 30 smallest magnitudes of the linear weight are the ones zeroed.
        let cut = before.map(abs).sorted()[29]
        for (old, new) in zip(before, net.linear.weight.scalars) { #expect(new == (abs(old) <= cut ? 0 : old)) }
        #expect(net.linear.bias!.scalars + net.conv.bias!.scalars == biases)
        #expect(net.norm.namedParameters().flatMap(\.tensor.scalars) == norms)
    }

    @Test func globalPruningReachesTheSparsityOverAllWeights() {
        let net = Net(), buffer = ParameterBuffer(module: net)
        let pruner = MagnitudePruner(module: net, parameters: buffer, scope: .global)
        let all = (net.linear.weight.scalars + net.conv.weight.scalars).map(abs).sorted()
        pruner.prune(to: 0.75)
        #expect(pruner.zeroCount == 86)  // round(0.75 · 114)
        let kept = (net.linear.weight.scalars + net.conv.weight.scalars).filter { $0 != 0 }.map(abs)
        #expect(kept.min()! > all[85])
    }

    /// Masks only grow, and AdamW steps (moments, weight decay) cannot revive a pruned weight
    /// when gradients are masked before the step and weights after it.
    @Test func prunedWeightsStayZeroThroughOptimizerSteps() throws {
        let net = Net(), buffer = ParameterBuffer(module: net)
        let pruner = MagnitudePruner(module: net, parameters: buffer, scope: .layer)
        let optimizer = try AdamW(parameters: buffer, learningRate: 0.05)
        let x = randomInput([4, 10], seed: 3).detached(), image = randomInput([2, 2, 5, 5], seed: 4).detached()
        func step() {
            optimizer.zeroGrad()
            ((net.linear(x) * net.linear(x)).sum() + net.conv(image).sum()).backward()
            pruner.maskGradients()
            optimizer.step()
            pruner.applyMasks()
        }
        step()  // moments built up on every weight before pruning
        pruner.prune(to: 0.3)
        let firstPruned = net.linear.weight.scalars.indices.filter { net.linear.weight.scalars[$0] == 0 }
        let keptBefore = net.linear.weight.scalars
        for _ in 0..<5 { step() }
        #expect(zeros(net.linear.weight) == 18 && zeros(net.conv.weight) == 16)  // round(0.3 · 60), round(0.3 · 54)
        #expect(zip(keptBefore, net.linear.weight.scalars).contains { $0 != 0 && $0 != $1 })  // the others train
        pruner.prune(to: 0.6)
        for _ in 0..<3 { step() }
        #expect(firstPruned.allSatisfy { net.linear.weight.scalars[$0] == 0 })
        #expect(zeros(net.linear.weight) == 36 && zeros(net.conv.weight) == 32)
        // A pruner made afresh over the same weights (a resumed run) finds the same masks.
        let resumed = MagnitudePruner(module: net, parameters: buffer, scope: .layer)
        #expect(resumed.masks == pruner.masks)
    }
}
