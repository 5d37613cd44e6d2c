import Foundation
import Testing
import Support
import Tensor
import NN
import Datasets
import Models
@testable import Lab

/// Each config option below is read by the code; these tests fail when one is ignored.
@Suite(.serialized) struct TrainingOptionTests {
    /// One tiny run; returns its folder.
    func run(_ overrides: [String], seed: Int = 1) throws -> String {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, overrides), reporter: { _ in })
        return try runner.run(seed: seed, fold: nil, resume: false).directory
    }

    func trainLosses(_ directory: String) throws -> [Double] { try #require(readHistory(directory)["train_loss"]).map { $0! } }

    @Test func everyImbalanceOptionTrainsDifferently() throws {
        let options = ["pos_weight", "focal", "balanced_sampling", "none"]
        var losses: [String: [Double]] = [:]
        for o in options { losses[o] = try trainLosses(try run(["training.epochs=1", "training.imbalance=\(o)"])) }
        // An ignored option falls back on one of the others and trains exactly like it.
        for (i, a) in options.enumerated() {
            for b in options[(i + 1)...] { #expect(losses[a] != losses[b], "training.imbalance=\(a) and \(b) train alike: \(losses[a]!)") }
        }
        // Focal loss down-weights easy examples: at the start (p ≈ ½, α = ¼) it is a fraction of the
        // plain cross-entropy (per sample α_t·(1−p_t)²·CE ≤ ¾·¼·CE).
        #expect(losses["focal"]![0] < 0.5 * losses["none"]![0], "focal \(losses["focal"]!) vs none \(losses["none"]!)")
        // The focal parameters are read: another α trains differently.
        let otherAlpha = try trainLosses(try run(["training.epochs=1", "training.imbalance=focal", "training.focal.alpha=0.75"]))
        #expect(otherAlpha != losses["focal"]!)
    }

    @Test func balancedSamplingDrawsHalfPositives() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out), reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        let train = dataset.indices(.train)
        let builder = BatchBuilder(dataset: dataset, images: nil)
        let (model, _) = try MultimodalModel.build(config: runner.config["model"]!.setting(["modalities"], to: ["sequence"]),
                                                   schema: dataset.schema(imageSize: 16), seed: 0)
        let trainer = Trainer(model: model, builder: builder, training: runner.options.training, seed: 0,
                              reporter: ProgressReporter(logPath: nil, logEvery: 1000), state: nil)
        let order = trainer.epochOrder(train, epoch: 0, balanced: true)
        let positives = order.filter { dataset.labels[$0] == 1 }.count
        #expect(order.count == train.count && positives * 2 == order.count, "\(positives) positives of \(order.count)")
        let shuffled = trainer.epochOrder(train, epoch: 0, balanced: false)
        #expect(shuffled.sorted() == train.sorted())
    }

    @Test func sgdIsChosenThroughTheConfig() throws {
        // Momentum is an SGD parameter: it changes training only if SGD is the optimizer in use.
        let base = ["training.epochs=1", "training.optimizer={\"type\": \"sgd\", \"lr\": 0.05, \"momentum\": 0}"]
        let withMomentum = ["training.epochs=1", "training.optimizer={\"type\": \"sgd\", \"lr\": 0.05, \"momentum\": 0.9}"]
        let a = try trainLosses(try run(base)), b = try trainLosses(try run(withMomentum))
        #expect(a != b, "SGD momentum 0 and 0.9 train alike: \(a)")
        let out = scratchDirectory()
        let config = try tinyConfig(out, [base[1]])
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        let (model, _) = try MultimodalModel.build(config: config["model"]!, schema: dataset.schema(imageSize: 16), seed: 0)
        let trainer = Trainer(model: model, builder: BatchBuilder(dataset: dataset, images: nil), training: runner.options.training, seed: 0,
                              reporter: ProgressReporter(logPath: nil, logEvery: 1000), state: nil)
        #expect(try trainer.makeOptimizer(ParameterBuffer(module: model)) is SGD)
    }

    @Test func earlyStoppingFollowsTheConfiguredMetric() throws {
        // Without stopping (patience > epochs) the trajectory is the same for every metric; only
        // which epoch's weights are kept depends on it: the best epoch of that metric's column.
        var bestByMetric: [String: Int] = [:]
        for metric in ["roc_auc", "average_precision", "f1", "loss"] {
            let dir = try run(["training.epochs=4", "training.optimizer.lr=0.01", "training.early_stopping.metric=\(metric)"], seed: 1)
            let history = try readHistory(dir)
            let column = metric == "loss" ? history["valid_loss"]!.map { -$0! } : history["valid_\(metric)"]!.map { $0! }
            let expected = column.firstIndex(of: column.max()!)! + 1
            let best = try #require(try readMetrics(dir)["best_epoch"]?.intValue)
            #expect(best == expected, "early_stopping.metric=\(metric): best epoch \(best), the column \(column) peaks at \(expected)")
            bestByMetric[metric] = best
        }
        #expect(Set(bestByMetric.values).count > 1, "every metric picks the same epoch \(bestByMetric): the test cannot tell them apart")
    }

    @Test func kFoldRunsEachFoldWithItsOwnTestSplit() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, ["data.split.folds=3"]), reporter: { _ in })
        #expect(runner.folds == [0, 1, 2])
        var tests: [Set<Int>] = []
        for fold in runner.folds {
            let d = try runner.dataset(fold: fold)
            tests.append(Set(d.indices(.test)))
            #expect(!d.indices(.train).isEmpty && !d.indices(.valid).isEmpty)
        }
        // The folds' test splits are disjoint and together cover every sample.
        #expect(tests.reduce(0) { $0 + $1.count } == (try runner.dataset(fold: 0)).sampleCount)
        for i in 0..<3 { for j in (i + 1)..<3 { #expect(tests[i].isDisjoint(with: tests[j]), "folds \(i) and \(j) share test samples") } }
        #expect(Set(try runner.dataset(fold: nil).indices(.test)) != tests[0])
    }

    @Test func ablationModesSingleAndAllSubsets() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, ["model.modalities=[\"sequence\",\"profile\",\"attributes\"]"]), reporter: { _ in })
        func names(_ modes: [AblationMode]) -> [String] {
            Study(runner: runner, modes: modes, masked: false, resume: false).modalitySets.map { $0.map(\.rawValue).joined(separator: "+") }
        }
        let full = "sequence+profile+attributes"
        #expect(names([]) == [full])
        #expect(names([.single]) == [full, "sequence", "profile", "attributes"])
        #expect(names([.allSubsets]) == [full, "sequence+profile", "sequence+attributes", "profile+attributes", "sequence", "profile", "attributes"])
        #expect(names([.leaveOneOut, .single]) == [full, "profile+attributes", "sequence+attributes", "sequence+profile", "sequence", "profile", "attributes"])
        // A study in `single` mode trains and tabulates those sets.
        let two = ExperimentRunner(config: try tinyConfig(scratchDirectory(), ["training.epochs=1", "model.modalities=[\"sequence\",\"profile\"]"]),
                                   reporter: { _ in })
        let outcome = try Study(runner: two, modes: [.single], masked: false, resume: false).run()
        #expect(outcome.table.rows.map { $0[0] } == ["full", "sequence", "profile"])
        #expect(outcome.tablePath.hasSuffix("/ablation.csv"))
    }
}

/// The consistency evidence: trained with the model or frozen after its warm start, which reads
/// training labels only.
@Suite(.serialized) struct EvidenceTrainingTests {
    // No image head and no image modality: the runs need no image store, so the warm start can be
    // repeated here with the same batches. The evidence is always kept: these tests are about its
    // weights, and validation on the tiny shop may prefer the model without it (then no evidence
    // is saved to compare).
    static let heads = #"model.consistency.heads={"device_vs_profile": {"from": "profile", "predict": "sequence.last.device"}, "price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}}"#
    static let options = [heads, "model.modalities=[\"sequence\",\"profile\",\"attributes\"]", "model.consistency.folds=2", "model.consistency.epochs=2", "model.consistency.evidence_warmup_steps=50",
                          "model.consistency.evidence_selection=\"always\"",
                          "data.event_token_columns=[\"device\", \"region\"]", "training.epochs=2"]

    /// The evidence parameters right after the warm start, before the model trains.
    func warmStartedEvidence(_ runner: ExperimentRunner, dataset: PreparedDataset, seed: Int) throws -> [String: [Float]] {
        let modelConfig = runner.config["model"]!
        let schema = dataset.schema(imageSize: 16)
        let (model, _) = try MultimodalModel.build(config: modelConfig, schema: schema, seed: UInt64(seed))
        let builder = BatchBuilder(dataset: dataset, images: nil)
        _ = try runner.prepareConsistency(model: model, modelConfig: modelConfig, modelOptions: ModelOptions(section: modelConfig), schema: schema, builder: builder, seed: seed, fold: nil,
                                          reporter: ProgressReporter(logPath: nil, logEvery: 1000))
        let evidence = try #require(model.consistencyEvidence)
        return Dictionary(uniqueKeysWithValues: evidence.namedParameters().map { ("consistency.evidence." + $0.name, $0.tensor.scalars) })
    }

    func savedEvidence(_ directory: String) throws -> [String: [Float]] {
        let (tensors, _) = try Safetensors.read(directory + "/model.safetensors")
        return tensors.filter { $0.key.hasPrefix("consistency.evidence.") }.mapValues(\.scalars)
    }

    @Test func frozenEvidenceKeepsItsWarmStartedWeights() throws {
        let frozenRunner = ExperimentRunner(config: try tinyConfig(scratchDirectory(), Self.options + ["model.consistency.evidence_training=frozen"]),
                                            reporter: { _ in })
        let frozen = try savedEvidence(try frozenRunner.run(seed: 2, fold: nil, resume: false).directory)
        let jointRunner = ExperimentRunner(config: try tinyConfig(scratchDirectory(), Self.options), reporter: { _ in })
        let joint = try savedEvidence(try jointRunner.run(seed: 2, fold: nil, resume: false).directory)
        let warm = try warmStartedEvidence(frozenRunner, dataset: try frozenRunner.dataset(fold: nil), seed: 2)
        try #require(!warm.isEmpty && Set(warm.keys) == Set(frozen.keys))
        #expect(frozen == warm, "frozen evidence changed during training")
        #expect(joint != warm, "jointly trained evidence kept its warm-started weights")
    }

    @Test func theWarmStartIgnoresHeldOutLabels() throws {
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory(), Self.options), reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        var flipped = dataset
        let heldOut = dataset.indices(.valid) + dataset.indices(.test)
        for i in heldOut { flipped.labels[i] = 1 - flipped.labels[i] }
        try #require(heldOut.contains { dataset.labels[$0] == 1 } && flipped.labels != dataset.labels)
        let original = try warmStartedEvidence(runner, dataset: dataset, seed: 3)
        let other = try warmStartedEvidence(ExperimentRunner(config: runner.config, reporter: { _ in }), dataset: flipped, seed: 3)
        #expect(!original.isEmpty && original == other, "the warm start read validation or test labels")
        // The training labels do matter (the check above can fail).
        var trainFlipped = dataset
        for i in dataset.indices(.train).prefix(40) { trainFlipped.labels[i] = 1 - trainFlipped.labels[i] }
        let third = try warmStartedEvidence(ExperimentRunner(config: runner.config, reporter: { _ in }), dataset: trainFlipped, seed: 3)
        #expect(third != original)
    }
}
