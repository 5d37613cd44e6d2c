import Foundation
import Testing
import Datasets
import Support
import Models
import Tensor
@testable import Lab

/// A run with consistency heads writes their surprises, explanations and attribution, and the
/// cross-fitted surprises of training samples come from heads that never saw them.
@Suite(.serialized) struct ConsistencyRunTests {
    static let heads = #"model.consistency.heads={"image_category": {"from": "image", "predict": "attributes.category_id"}, "device_vs_profile": {"from": "profile", "predict": "sequence.last.device"}, "price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}}"#

    @Test func surprisesExplanationsAndAttributionAreWritten() throws {
        let out = scratchDirectory()
        let config = try tinyConfig(out, [Self.heads, "model.consistency.folds=2", "model.consistency.epochs=6", "training.epochs=2",
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

        let attribution = read(dir + "/attribution_by_type.csv").split(separator: "\n")
        #expect(attribution.first == "anomaly_type,samples,method,sequence,profile,attributes,image,consistency")
        // Masking drops, their shares and (conditioned fusion: gates before mixing) the gates, per type.
        for method in ["masking_logit_drop", "masking_share", "gate"] { #expect(attribution.contains { $0.hasPrefix("all,") && $0.contains(",\(method),") }) }
        #expect(attribution.contains { $0.hasPrefix("normal,") } && attribution.count > 9, "rows per anomaly type of the test split")

        let metrics = read(dir + "/metrics.json")
        #expect(metrics.contains("\"test_roc_auc_by_type\""))
        // Coverage: the share of test anomalies with a failed check, recomputed from explanations.csv.
        let json = try JSONParser.parse(metrics)
        let rows = explanations.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let testAnomalies = rows.filter { $0[1] == "test" && $0[2] == "1" }
        let covered = Double(testAnomalies.filter { !$0[6].isEmpty }.count) / Double(testAnomalies.count)
        #expect(json.at("explanations.test_coverage")?.doubleValue == covered && json.at("explanations.quantile") == 0.99)
        // Each head's held-out gain, measured once when fitted, is reported.
        #expect(json["consistency"]?.objectPairs?.allSatisfy { $0.1["heldout_gain_nats"]?.doubleValue != nil } == true)
        #expect(read(dir + "/log.txt").contains(String(format: "explanations: %.0f%% of test anomalies failed", 100 * covered)))
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
        let model = ModelOptions(section: config["model"]!)
        let schema = dataset.schema(imageSize: 16)
        var notes: [String] = []
        let specs = try MultimodalModel.consistencySpecs(options: model, schema: schema, modalities: [.sequence, .profile, .attributes],
                                                                notes: &notes)
        let builder = BatchBuilder(dataset: dataset, images: nil)
        let fit = try ConsistencyFitter(specs: specs, options: runner.options.fit, model: model, schema: schema, builder: builder, seed: 3,
                                        log: { _ in }).fit()
        let price = try #require(specs.firstIndex { $0.name == "price_in_listing" })
        func mean(_ role: SplitRole) -> Double {
            let xs = dataset.indices(role).compactMap { fit.raw.value(sample: $0, head: price) }
            return xs.reduce(0) { $0 + Double($1) } / Double(xs.count)
        }
        let train = mean(.train), held = (mean(.valid) + mean(.test)) / 2
        #expect(train > 0.7 * held, "training surprise \(train) vs held-out \(held): training samples were scored in-sample")
        // Standardised with training statistics: training mean 0.
        let z = dataset.indices(.train).compactMap { i in fit.raw.value(sample: i, head: price).map { _ in fit.scaled(.standard).values[i * specs.count + price] } }
        #expect(Swift.abs(z.reduce(0, +) / Float(z.count)) < 1e-3)
    }
}

/// The evidence warm start learns which surprises mean anomaly, from training samples only.
@Suite struct EvidenceWarmStartTests {
    @Test func learnsThatOneHeadsSurpriseMarksAnomalies() throws {
        var g = RandomGenerator(seed: 5)
        let n = 400, h = 3
        var values = [Float](repeating: 0, count: n * h), labels = [Float](repeating: 0, count: n)
        for i in 0..<n {
            labels[i] = i % 5 == 0 ? 1 : 0
            for k in 0..<h { values[i * h + k] = Float(g.nextNormal()) + (k == 1 && labels[i] == 1 ? 3 : 0) }
        }
        let table = SurpriseTable(heads: ["a", "b", "c"], values: values, present: [Float](repeating: 1, count: n * h))
        var mg = RandomGenerator(seed: 1)
        let specs = try ConsistencyHeadSpec.parseAll(ModelOptions(section: try ModelSchema.section.validate(
            ["consistency": ["heads": ["a": ["from": "image", "predict": "attributes.category_id"],
                                       "b": ["from": "image", "predict": "attributes.brand"],
                                       "c": ["from": "profile", "predict": "sequence.last.device"]]]], path: "model")).consistency.heads,
            schema: DatasetSchema(sequenceLength: 4, sequenceTokens: [.init(name: "device", size: 6)], sequenceFloats: [],
                                  profile: .init(floatNames: [], categorical: [.init(name: "region", size: 5)]),
                                  attributes: .init(floatNames: [], categorical: [.init(name: "category_id", size: 5), .init(name: "brand", size: 5)]),
                                  imageSize: 8, anomalyClasses: []))
        let evidence = ConsistencyEvidence(heads: specs, hidden: [8], dropout: 0, generator: &mg)
        let train = Array(0..<300)
        let first = try EvidenceWarmStart.fit(evidence, surprises: table, labels: labels, samples: train, steps: 1, learningRate: 0.01,
                                              weightDecay: 0.01, positiveWeight: 4, seed: 1)
        let last = try EvidenceWarmStart.fit(evidence, surprises: table, labels: labels, samples: train, steps: 300, learningRate: 0.01,
                                             weightDecay: 0.01, positiveWeight: 4, seed: 1)
        #expect(last < 0.5 * first, "loss \(first) → \(last)")
        // Held-out samples 300..<400 ranked by the evidence alone.
        let held = Array(300..<n)
        let s = Tensor(held.flatMap { i in (0..<h).map { values[i * h + $0] } }, shape: [held.count, h])
        evidence.eval()
        let z = withoutGradients { evidence.logit(surprises: s, present: Tensor(ones: [held.count, h]), mask: nil) }.scalars
        let auc = RankingCurve(scores: z.map(Double.init), labels: held.map { labels[$0] == 1 }).rocAUC!
        #expect(auc > 0.95, "held-out AUC \(auc)")
    }
}
