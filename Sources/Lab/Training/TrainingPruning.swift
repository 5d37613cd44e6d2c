import Foundation
import NN
import Support

/// Gradual magnitude pruning inside the training loop (`training.pruning`): masks recomputed on
/// the schedule while the sparsity ramps up, pruned weights kept at zero through every step, and
/// only the epochs from the one that reaches the target on — the fine-tuning ones — eligible as
/// the best epoch whose weights are restored, so the restored model has the target sparsity.
final class TrainingPruning {
    let options: PruningOptions
    let schedule: PruningSchedule
    let pruner: MagnitudePruner
    /// The 1-based epoch whose last step reaches the target.
    let lastPruningEpoch: Int

    /// For a model whose parameters live in `parameters` (already restored when resuming: the
    /// masks are their zeros), trained `epochs` epochs of `stepsPerEpoch` steps.
    init(_ options: PruningOptions, model: any Module, parameters: ParameterBuffer, stepsPerEpoch: Int, epochs: Int) {
        self.options = options
        lastPruningEpoch = options.lastPruningEpoch(epochs: epochs)
        schedule = PruningSchedule(target: options.targetSparsity, startStep: (options.startEpoch - 1) * stepsPerEpoch,
                                   endStep: lastPruningEpoch * stepsPerEpoch - 1, shape: options.schedule)
        pruner = MagnitudePruner(module: model, parameters: parameters, scope: options.scope)
    }

    /// Before step `step` (0-based, counted over the whole run): masks recomputed when due.
    func beforeStep(_ step: Int) {
        if schedule.updates(atStep: step, frequency: options.frequency) { pruner.prune(to: schedule.sparsity(atStep: step)) }
    }

    /// After the gradients are summed, before clipping: the pruned weights' gradients are zeroed.
    func beforeUpdate() { pruner.maskGradients() }

    /// After the optimizer's step: the pruned weights are zeroed again.
    func afterUpdate() { pruner.applyMasks() }

    /// Whether epoch `epoch` (1-based) trained at the target sparsity: only such epochs may be the best.
    func isFineTuning(epoch: Int) -> Bool { epoch >= lastPruningEpoch }

    /// The sparsity reached, for the log and metrics.json.
    var summary: PruningSummary {
        PruningSummary(targetSparsity: options.targetSparsity, achievedSparsity: pruner.sparsity, prunedWeights: pruner.zeroCount,
                       prunableWeights: pruner.prunableCount, scope: options.scope.rawValue, schedule: options.schedule.rawValue,
                       lastPruningEpoch: lastPruningEpoch)
    }
}

/// What pruning achieved, as metrics.json records it under `pruning`.
public struct PruningSummary: Sendable, Equatable {
    public var targetSparsity: Double
    /// The share of prunable weights (Linear and convolution weights) that are zero in the saved model.
    public var achievedSparsity: Double
    public var prunedWeights: Int
    public var prunableWeights: Int
    public var scope: String
    public var schedule: String
    public var lastPruningEpoch: Int

    var json: JSONValue {
        ["target_sparsity": .number(targetSparsity), "achieved_sparsity": .number(achievedSparsity),
         "pruned_weights": .number(Double(prunedWeights)), "prunable_weights": .number(Double(prunableWeights)),
         "scope": .string(scope), "schedule": .string(schedule), "target_reached_at_epoch": .number(Double(lastPruningEpoch))]
    }
}
