import Foundation
import Testing
import Datasets
import Support
import Models
@testable import Lab

/// A run with consistency heads writes their surprises, explanations and attribution, and the
/// cross-fitted surprises of training samples come from heads that never saw them.
@Suite(.serialized) struct ConsistencyRunTests {
    static let heads = #"model.consistency.heads={"image_category": {"from": "image", "predict": "attributes.category_id"}, "device_vs_profile": {"from": "profile", "predict": "sequence.last.device"}, "price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}}"#

    @Test func surprisesExplanationsAndAttributionAreWritten() throws {
        let out = scratchDirectory()
        let config = try tinyConfig(out, [Self.heads, "model.consistency.folds=2", "model.consistency.epochs=2", "training.epochs=2",
                                          "data.event_token_columns=[\"device\", \"region\"]", "model.fusion.type=conditioned"])
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        runner.interactive = false
        let result = try runner.run(seed: 1, fold: nil, resume: false)
        let dir = result.directory
        let predictions = read(dir + "/predictions.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(predictions[0].suffix(3) == ["surprise_image_category", "surprise_device_vs_profile", "surprise_price_in_listing"])
        // Every sample with a picture and a known category has an image surprise, in nats.
        let imageSurprises = predictions.dropFirst().compactMap { Double($0[6]) }
        #expect(imageSurprises.count > 300 && imageSurprises.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(read(dir + "/log.txt").contains("consistency: 3 heads cross-fitted over 2 folds"))

        let explanations = read(dir + "/explanations.csv").split(separator: "\n")
        #expect(explanations.first == "sample_id,split,label,anomaly_type,score,predicted,failed_checks,explanation")
        #expect(explanations.contains { $0.contains(" suggest") && $0.contains(", but it is ") })

        let attribution = read(dir + "/modality_weights_by_type.csv").split(separator: "\n")
        #expect(attribution.first == "anomaly_type,samples,method,sequence,profile,attributes,image,consistency")
        // Masking drops, their shares and (conditioned fusion: gates before mixing) the gates, per type.
        for method in ["masking_logit_drop", "masking_share", "gate"] { #expect(attribution.contains { $0.hasPrefix("all,") && $0.contains(",\(method),") }) }
        #expect(attribution.contains { $0.hasPrefix("normal,") } && attribution.count > 9, "rows per anomaly type of the test split")

        let metrics = read(dir + "/metrics.json")
        #expect(metrics.contains("\"test_roc_auc_by_type\""))
    }

    @Test func aHeadWhoseModalityTheModelLacksIsSkippedWithANote() throws {
        let out = scratchDirectory()
        var log: [String] = []
        let config = try tinyConfig(out, [Self.heads, "model.consistency.folds=2", "model.consistency.epochs=1", "training.epochs=1",
                                          "data.event_token_columns=[\"device\"]", "model.modalities=[\"sequence\", \"profile\", \"attributes\"]"])
        let runner = ExperimentRunner(config: config, reporter: { log.append($0) })
        runner.interactive = false
        let result = try runner.run(seed: 1, fold: nil, resume: false)
        let header = read(result.directory + "/predictions.csv").split(separator: "\n")[0]
        #expect(header.hasSuffix("surprise_device_vs_profile,surprise_price_in_listing"))
        #expect(read(result.directory + "/log.txt").contains("model.consistency.heads.image_category: skipped, the model has no image modality"))
    }

    @Test func crossFittedTrainingSurprisesComeFromHeadsThatDidNotSeeTheSample() throws {
        // Heads that memorise: big and trained long. In-sample surprises would collapse toward 0;
        // cross-fitted ones stay at the level of held-out samples.
        let out = scratchDirectory()
        let config = try tinyConfig(out, [Self.heads, "model.consistency.folds=2", "model.consistency.epochs=40",
                                          "model.consistency.hidden=[128]", "model.consistency.dropout=0",
                                          "data.event_token_columns=[\"device\"]"])
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        let model = config["model"]!
        let schema = dataset.schema(imageSize: 16)
        var notes: [String] = []
        let specs = try MultimodalModel.consistencySpecs(config: model, schema: schema, modalities: [.sequence, .profile, .attributes],
                                                                notes: &notes)
        let builder = BatchBuilder(dataset: dataset, images: nil)
        let fit = try ConsistencyFitter(specs: specs, modelConfig: model, schema: schema, builder: builder, seed: 3, log: { _ in }).fit()
        let price = try #require(specs.firstIndex { $0.name == "price_in_listing" })
        func mean(_ role: SplitRole) -> Double {
            let xs = dataset.indices(role).compactMap { fit.raw.value(sample: $0, head: price) }
            return xs.reduce(0) { $0 + Double($1) } / Double(xs.count)
        }
        let train = mean(.train), held = (mean(.valid) + mean(.test)) / 2
        #expect(train > 0.7 * held, "training surprise \(train) vs held-out \(held): training samples were scored in-sample")
        // Standardised with training statistics: training mean 0.
        let z = dataset.indices(.train).compactMap { i in fit.raw.value(sample: i, head: price).map { _ in fit.standardized.values[i * specs.count + price] } }
        #expect(Swift.abs(z.reduce(0, +) / Float(z.count)) < 1e-3)
    }
}
