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

    /// Attribution by masking, as for the neural model: per modality (and the surprises as
    /// `consistency` for the hybrid), in logits for probability scores, in score units otherwise.
    @Test func classicalRunsAttributeByMaskingEachModality() throws {
        let heads = #"model.consistency.heads={"price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}}"#
        for (overrides, method, columns) in [
            (["model.type=gbdt"], "masking_logit_drop", ["sequence", "profile", "attributes", "image"]),
            (["model.type=isolation_forest"], "masking_score_drop", ["sequence", "profile", "attributes", "image"]),
            (["model.type=gbdt", "model.classical_inputs.consistency_surprises=true", heads], "masking_logit_drop",
             ["sequence", "profile", "attributes", "image", "consistency"]),
        ] {
            let (result, _, _) = try run(overrides)
            let rows = read(result.directory + "/attribution_by_type.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            #expect(rows.first == ["anomaly_type", "samples", "method"] + columns, "\(overrides)")
            let all = rows.filter { $0.first == "all" }
            #expect(all.map { $0[2] } == [method, "masking_share"], "\(overrides)")
            // Each sample's shares sum to 1 (or 0 when nothing moved it): their means sum to at most 1.
            let shares = all.last!.dropFirst(3).compactMap { Double($0) }
            #expect(shares.count == columns.count && shares.allSatisfy { $0 >= 0 } && shares.reduce(0, +) <= 1 + 1e-9 && shares.reduce(0, +) > 0.5)
            // Masking something moves the scores.
            #expect(all.first!.dropFirst(3).contains { (Double($0) ?? 0) != 0 })
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

    /// A classical model's modality ablation drops the features of the modalities it leaves out
    /// (and, for the hybrid, the heads that need them).
    @Test func ablatingAClassicalModelDropsThoseModalitiesFeatures() throws {
        let heads = #"model.consistency.heads={"price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}, "device_vs_profile": {"from": "profile", "predict": "sequence.last.device"}}"#
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory(), ["model.type=gbdt", "model.classical_inputs.consistency_surprises=true", heads,
                                                                                  "model.consistency.folds=2", "model.consistency.epochs=2",
                                                                                  "data.event_token_columns=[\"device\"]"]),
                                     reporter: { _ in })
        runner.interactive = false
        let full = try runner.run(seed: 1, fold: nil, resume: false)
        let sequenceOnly = try runner.run(modalities: [.sequence], seed: 1, fold: nil, resume: false)
        let profileAndSequence = try runner.run(modalities: [.sequence, .profile], seed: 1, fold: nil, resume: false)
        func metrics(_ r: RunResult) throws -> JSONValue { try JSONParser.parse(read(r.directory + "/metrics.json")) }
        let counts = try [full, sequenceOnly, profileAndSequence].map { try metrics($0)["features"]?.intValue ?? 0 }
        #expect(counts[1] < counts[2] && counts[2] < counts[0], "\(counts)")
        #expect(try metrics(sequenceOnly)["modalities"] == ["sequence"])
        #expect(read(sequenceOnly.directory + "/log.txt").contains("features of left-out modalities dropped"))
        // Without attributes the listing head cannot run; with profile and sequence the device head can.
        let header = { (r: RunResult) in String(read(r.directory + "/predictions.csv").split(separator: "\n")[0]) }
        #expect(header(full).hasSuffix("surprise_price_in_listing,surprise_device_vs_profile"))
        #expect(header(profileAndSequence).hasSuffix("predicted,surprise_device_vs_profile"))
    }
}
