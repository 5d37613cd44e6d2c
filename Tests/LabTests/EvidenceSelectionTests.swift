import Foundation
import Testing
import Datasets
import Support
import Models
@testable import Lab

/// Heads that know nothing of their target leave the evidence, and the evidence is kept only
/// when it beats the same model without it on validation.
@Suite(.serialized) struct EvidenceSelectionTests {
    /// `image_category` can learn its target (the tiny shop's pictures are drawn from the
    /// category); `noise` predicts the last event's device from the product picture, which
    /// says nothing of it.
    static let heads = #"model.consistency.heads={"image_category": {"from": "image", "predict": "attributes.category_id"}, "price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}, "device_vs_profile": {"from": "profile", "predict": "sequence.last.device"}, "noise": {"from": "image", "predict": "sequence.last.device"}}"#
    static let small = [heads, "model.consistency.folds=2", "model.consistency.epochs=40", "model.consistency.lr=0.01", "training.epochs=2", "data.event_token_columns=[\"device\"]"]

    @Test func aHeadAtChanceOnItsTargetLeavesTheEvidenceWithANote() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, Self.small + ["model.consistency.evidence_selection=always"]), reporter: { _ in })
        runner.interactive = false
        let result = try runner.run(seed: 1, fold: nil, resume: false)
        let metrics = try JSONParser.parse(read(result.directory + "/metrics.json"))
        let gain = { (head: String) in metrics.at("consistency.\(head).heldout_gain_nats")?.doubleValue ?? .nan }
        let auc = { (head: String) in metrics.at("consistency.\(head).heldout_target_roc_auc")?.doubleValue ?? .nan }
        // The picture knows its category; it knows nothing of the device, and that head leaves.
        #expect(gain("image_category") > 0.01 && auc("image_category") > 0.6, "\(gain("image_category")), \(auc("image_category"))")
        #expect(gain("noise") < 0.01 && auc("noise") < 0.6, "\(gain("noise")), \(auc("noise"))")
        #expect(metrics.at("consistency.image_category.in_evidence") == true && metrics.at("consistency.noise.in_evidence") == false)
        // An overconfident head — below the class frequencies in log-likelihood, yet ranking its
        // target well — stays: its standardised surprise still says something.
        #expect(gain("price_in_listing") < 0.01 && auc("price_in_listing") > 0.6, "\(gain("price_in_listing")), \(auc("price_in_listing"))")
        #expect(metrics.at("consistency.price_in_listing.in_evidence") == true)
        #expect(read(result.directory + "/log.txt").contains("note: consistency head noise predicts its target no better than the training class frequencies"))
        // With `always`, no selection was made.
        #expect(metrics["evidence_selection"] == nil)
    }

    @Test func aDroppedHeadIsAbsentForTheEvidence() throws {
        var table = SurpriseTable(heads: ["a", "b"], values: [1, 2, 3, 4], present: [1, 1, 1, 0])
        table.removeHeads([0])
        #expect(table.values == [0, 2, 0, 4] && table.present == [0, 1, 0, 0])
    }

    /// Both branches: the kept model's validation score is the one reported, and a model
    /// without the evidence is exactly the same config trained with `surprise_input` off.
    @Test func theEvidenceIsKeptOnlyWhenItWinsOnValidation() throws {
        let out = scratchDirectory()
        let config = try tinyConfig(out, [Self.heads, "model.consistency.folds=2", "model.consistency.epochs=4", "training.epochs=2",
                                          "data.event_token_columns=[\"device\"]"])
        func run(_ config: JSONValue, override: Bool? = nil) throws -> RunResult {
            let runner = ExperimentRunner(config: config, reporter: { _ in })
            runner.interactive = false
            runner.evidenceSelectionOverride = override
            return try runner.run(seed: 1, fold: nil, resume: false)
        }
        let chosen = try run(config)
        let metrics = try JSONParser.parse(read(chosen.directory + "/metrics.json"))
        let with = try #require(metrics.at("evidence_selection.valid_with_evidence")?.doubleValue)
        let without = try #require(metrics.at("evidence_selection.valid_without_evidence")?.doubleValue)
        #expect(metrics.at("evidence_selection.metric") == "average_precision")
        #expect(metrics.at("evidence_selection.kept")?.boolValue == (with > without))
        // The run reports the kept model's validation score (its best epoch's, as early stopping saw it).
        let reported = chosen.valid.averagePrecision ?? .nan
        #expect(Swift.abs(reported - Swift.max(with, without)) < 1e-9, "\(reported) vs \(with), \(without)")
        #expect(read(chosen.directory + "/log.txt").contains("evidence selection: valid average_precision"))

        // Forced not to keep it: the predictions are those of the model trained without evidence.
        let dropped = try run(config.setting(["output", "directory"], to: .string(out + "/dropped")), override: false)
        let plain = try run(config.setting(["output", "directory"], to: .string(out + "/plain"))
            .setting(["model", "consistency", "surprise_input"], to: false))
        let scores = { (dir: String) in read(dir + "/predictions.csv").split(separator: "\n").map { $0.split(separator: ",").prefix(5).joined(separator: ",") } }
        #expect(scores(dropped.directory) == scores(plain.directory))
        #expect(try JSONParser.parse(read(dropped.directory + "/metrics.json")).at("consistency.image_category.in_evidence") == false)
        // Forced to keep it: the with-evidence model, as `always` trains it.
        let kept = try run(config.setting(["output", "directory"], to: .string(out + "/kept")), override: true)
        let always = try run(config.setting(["output", "directory"], to: .string(out + "/always"))
            .setting(["model", "consistency", "evidence_selection"], to: "always"))
        #expect(scores(kept.directory) == scores(always.directory))
        #expect(scores(kept.directory) != scores(plain.directory))
    }

    /// A study trains the model-without-evidence once: it is the plain variant's training, reused —
    /// and reuse is only right because the two trainings are identical, which an uncached run shows.
    @Test func aStudyReusesThePlainVariantAsTheModelWithoutEvidence() throws {
        let out = scratchDirectory()
        _ = try tinyConfig(out)
        let path = (out as NSString).appendingPathComponent("study.json")
        try """
        {"extends": "experiment.json", "name": "reuse", "seeds": [1], "training": {"epochs": 2},
         "data": {"event_token_columns": ["device"]},
         "model": {"consistency": {"folds": 2, "epochs": 4, "heads": {"noise": {"from": "image", "predict": "sequence.last.device"},
                                                                      "image_category": {"from": "image", "predict": "attributes.category_id"}}}},
         "variants": {"plain": ["model.consistency.heads=null"], "heads": []}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try ConfigLoader.loadAll(path: path, schema: ExperimentSchema.root)
        let outcome = try Study.runVariants(config: loaded, resume: false, reporter: { _ in })
        let plain = try #require(outcome.results.first { $0.variant == "plain" }), heads = try #require(outcome.results.first { $0.variant == "heads" })
        #expect(read(heads.directory + "/log.txt").contains("was trained in this study already"))
        let reused = try #require(try JSONParser.parse(read(heads.directory + "/metrics.json")).at("evidence_selection.valid_without_evidence")?.doubleValue)
        #expect(Swift.abs(reused - (plain.valid.averagePrecision ?? .nan)) < 1e-12)
        // The same run alone (no study cache) trains it and gets the same figure.
        let alone = ExperimentRunner(config: try Study.variantConfig(loaded, "heads").resolved.setting(["output", "directory"], to: .string(out + "/alone")),
                                     reporter: { _ in })
        alone.interactive = false
        let solo = try alone.run(seed: 1, fold: nil, resume: false)
        #expect(read(solo.directory + "/log.txt").contains("evidence selection: training the same model without"))
        #expect(try JSONParser.parse(read(solo.directory + "/metrics.json")).at("evidence_selection.valid_without_evidence")?.doubleValue == reused)
    }

    /// scikit-learn's macro one-vs-rest ROC-AUC, checked against pair counting.
    @Test func aHeadsROCAUCOnItsTargetIsTheMacroOneVsRestAUC() throws {
        let dir = scratchDirectory()
        let config = try tinyConfig(dir, ["model.consistency.heads={\"h\": {\"from\": \"image\", \"predict\": \"attributes.category_id\"}}"])
        let dataset = try ExperimentRunner(config: config, reporter: { _ in }).dataset(fold: nil)
        let spec = try #require(try ConsistencyHeadSpec.parseAll(ModelOptions(section: config["model"]!).consistency.heads,
                                                                 schema: dataset.schema(imageSize: 16)).first)
        let n = dataset.sampleCount, classes = spec.target.classes, train = dataset.indices(.train)
        // Made-up probabilities with ties: a sample's own class gets a little more, now and then.
        var probabilities = [Float](repeating: 0, count: n * classes)
        var labels: [Int: Int] = [:]
        for i in train {
            guard let y = RunFiles.declaredClass(spec.target, sample: i, dataset: dataset), y >= 0 else { continue }
            labels[i] = Int(y)
            for c in 0..<classes { probabilities[i * classes + c] = Float((i * 7 + c * 3) % 5) / 10 + (c == Int(y) && i % 3 == 0 ? 0.3 : 0) }
        }
        let fit = ConsistencyFit(specs: [spec], raw: SurpriseTable(heads: ["h"], values: [Float](repeating: 1, count: n), present: [Float](repeating: 1, count: n)),
                                 trainingSurprises: [[1]], likeliest: [Int32](repeating: 0, count: n))
        let measured = try #require(HeadWorth.targetROCAUC(fit, head: 0, probabilities: probabilities, dataset: dataset))
        // Per class seen: the share of (positive, negative) pairs ranked right, ties counting half.
        let seen = Set(labels.values).sorted()
        var sum = 0.0
        for c in seen {
            let positives = labels.filter { $0.value == c }.map { probabilities[$0.key * classes + c] }
            let negatives = labels.filter { $0.value != c }.map { probabilities[$0.key * classes + c] }
            var right = 0.0
            for p in positives { for q in negatives { right += p > q ? 1 : (p == q ? 0.5 : 0) } }
            sum += right / Double(positives.count * negatives.count)
        }
        #expect(seen.count > 2)
        #expect(Swift.abs(measured - sum / Double(seen.count)) < 1e-12)
    }
}
