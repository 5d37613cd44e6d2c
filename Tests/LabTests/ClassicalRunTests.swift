import Foundation
import Testing
import Datasets
import Support
import Models
@testable import Lab

/// Classical models (`model.type`) run inside the framework: the same split, evaluator and files
/// as a neural run, so a study's table compares them directly.
@Suite(.serialized) struct ClassicalRunTests {
    func run(_ overrides: [String], seed: Int = 1, output: String = scratchDirectory()) throws -> (RunResult, JSONValue, [String]) {
        let runner = ExperimentRunner(config: try tinyConfig(output, overrides), reporter: { _ in })
        runner.interactive = false
        let result = try runner.run(seed: seed, fold: nil, resume: false)
        let metrics = try JSONParser.parse(read(result.directory + "/metrics.json"))
        return (result, metrics, read(result.directory + "/predictions.csv").split(separator: "\n").map(String.init))
    }

    @Test func everyClassicalTypeRunsAndWritesARunFolder() throws {
        for definition in ClassicalModelRegistry.all {
            let (result, metrics, predictions) = try run(["model.type=\(definition.name)"])
            #expect(metrics["model_type"] == .string(definition.name))
            #expect((metrics["features"]?.intValue ?? 0) > 20, "\(definition.name)")
            #expect(predictions.count == 401 && predictions[0] == "sample_id,split,label,anomaly_type,score,predicted")
            // The threshold is chosen on validation and applied to test, as for the neural model.
            #expect(result.test.threshold == result.valid.threshold)
            #expect(read(result.directory + "/log.txt").contains("\(definition.name): "))
            // Learning on 280 tiny-shop rows: the trees and linear models; nearest neighbours drown in
            // ~500 one-hot dimensions here (its learning is tested on its own in ModelsTests).
            if definition.usesLabels && definition.name != "knn" {
                #expect((result.test.rocAUC ?? 0) > 0.6, "\(definition.name): \(result.test.rocAUC ?? .nan)")
            }
        }
    }

    @Test func theSameSeedGivesTheSamePredictions() throws {
        let a = try run(["model.type=gbdt"]).2, b = try run(["model.type=gbdt"]).2
        #expect(a == b)
    }

    /// The hybrid reads the heads' surprises — the cross-fitted ones, so a training row's value
    /// comes from heads that never saw it.
    @Test func theHybridReadsTheOutOfFoldSurprises() throws {
        let heads = #"model.consistency.heads={"price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}}"#
        let out = scratchDirectory()
        let config = try tinyConfig(out, ["model.type=gbdt", "model.classical_inputs.consistency_surprises=true", heads, "model.consistency.folds=2",
                                          "model.consistency.epochs=2"])
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        runner.interactive = false
        let result = try runner.run(seed: 1, fold: nil, resume: false)
        let metrics = try JSONParser.parse(read(result.directory + "/metrics.json"))
        #expect(metrics.at("consistency.price_in_listing") != nil)
        let plain = try JSONParser.parse(read(try run(["model.type=gbdt"], output: scratchDirectory()).0.directory + "/metrics.json"))
        #expect(metrics["features"]?.intValue == (plain["features"]?.intValue ?? 0) + 1)
        // The surprises in predictions.csv are the fit's; training rows' are out of fold.
        let header = read(result.directory + "/predictions.csv").split(separator: "\n")[0]
        #expect(header.hasSuffix(",surprise_price_in_listing"))
        #expect(read(result.directory + "/log.txt").contains("consistency: fold 1/2 fitted"))
    }

    @Test func theHybridWithoutHeadsIsAClearError() throws {
        #expect(throws: ConfigError.self) { try run(["model.type=gbdt", "model.classical_inputs.consistency_surprises=true"]) }
    }

    @Test func ablatingAClassicalModelIsAClearError() throws {
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory(), ["model.type=logistic_regression"]), reporter: { _ in })
        do {
            _ = try runner.run(modalities: [.sequence], seed: 1, fold: nil, resume: false)
            Issue.record("ablation of a classical model ran")
        } catch let error as ConfigError {
            #expect(error.path == "model.type" && error.message.contains("needs the neural model"))
        }
    }
}
