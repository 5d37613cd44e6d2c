import Foundation
import Testing
import Support
@testable import Lab

/// `training.pruning` end to end: a run prunes to its target, records the sparsity it reached,
/// keeps a fine-tuning epoch as its best, and still learns.
@Suite(.serialized) struct PruningRunTests {
    @Test func aPrunedRunReachesItsSparsityAndStillLearns() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, ["training.epochs=15", "training.batch_size=16", "training.optimizer.lr=0.003",
                                                                   "training.pruning.target_sparsity=0.5", "training.pruning.end_epoch=8"]),
                                      reporter: { _ in })
        runner.interactive = false
        let result = try runner.run(seed: 1, fold: nil, resume: false)
        let metrics = try readMetrics(result.directory)
        let pruning = try #require(metrics["pruning"])
        let achieved = try #require(pruning["achieved_sparsity"]?.doubleValue)
        // Per layer, each layer's count rounds: within a few weights of half.
        #expect(abs(achieved - 0.5) < 0.01, "achieved sparsity \(achieved)")
        #expect(pruning["target_reached_at_epoch"]?.intValue == 8)
        #expect(try #require(metrics["best_epoch"]?.intValue) >= 8)
        #expect(read(result.directory + "/log.txt").contains("pruning: sparsity"))
        let auc = try #require(result.test.rocAUC)
        #expect(auc > 0.6, "test ROC-AUC \(auc) on the tiny shop at 50% sparsity")
    }

    @Test func anUnprunedRunRecordsNoPruning() throws {
        let result = try ExperimentRunner(config: try tinyConfig(scratchDirectory(), ["training.epochs=1"]), reporter: { _ in })
            .run(seed: 0, fold: nil, resume: false)
        #expect(try readMetrics(result.directory)["pruning"] == nil)
    }

    @Test func theTargetMustBeReachedWithinTheEpochs() throws {
        do {
            _ = try tinyConfig(scratchDirectory(), ["training.pruning.target_sparsity=0.5", "training.pruning.end_epoch=4"])
            Issue.record("end_epoch 4 of 3 epochs was accepted")
        } catch let error as ConfigError {
            #expect(error.path == "training" && error.message.contains("pruning.end_epoch 4 is after the last epoch (epochs 3)"), "\(error)")
        }
        let options = ExperimentOptions(try tinyConfig(scratchDirectory(), ["training.pruning.target_sparsity=0.8", "training.pruning.schedule=linear"]))
        #expect(options.training.pruning.isOn && options.training.pruning.schedule == .linear && options.training.pruning.lastPruningEpoch(epochs: 3) == 2)
    }
}
