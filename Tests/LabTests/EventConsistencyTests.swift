import Foundation
import Testing
import Datasets
import Support
import Models
import Tensor
@testable import Lab

/// A per-event head learns how everyone rates each item and is surprised by users who rate
/// against it: every item has a hidden typical rating (1…5); normal users rate near it, anomalous
/// users (every fifth) rate 6 − it. Each user also viewed two items without rating them.
@Suite(.serialized) struct EventConsistencyTests {
    static let users = 300, items = 40, eventsPerUser = 8
    static let head = #"model.consistency.heads={"rating_vs_item": {"from": ["sequence.events.item_id"], "predict": "sequence.events.rating"}}"#

    static let folder: String = {
        let folder = scratchDirectory()
        var g = RandomGenerator(seed: 21)
        let typical = (0..<items).map { 1 + ($0 * 7) % 5 }
        var events = "user_id:token,timestamp:float,event_type:token,item_id:token,rating:float\n"
        var labels = "sample_id:token,user_id:token,label:float\n"
        for u in 0..<users {
            let anomalous = u % 5 == 0
            for k in 0..<eventsPerUser {
                let item = g.nextInt(below: items)
                let usual = min(5, max(1, typical[item] + (g.nextFloat() < 0.2 ? (g.nextFloat() < 0.5 ? -1 : 1) : 0)))
                events += "u\(u),\(1_000 + 60 * k),rate,i\(item),\(anomalous ? 6 - typical[item] : usual)\n"
            }
            // Two views without a rating: events whose target is missing, never judged.
            for k in 0..<2 { events += "u\(u),\(500 + 60 * k),view,i\(g.nextInt(below: items)),\n" }
            labels += "s\(u),u\(u),\(anomalous ? 1 : 0)\n"
        }
        for (name, text) in ["events.csv": events, "labels.csv": labels] { try! text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        return folder
    }()

    static func config(_ out: String, _ overrides: [String] = []) throws -> JSONValue {
        let path = out + "/e.json"
        try """
        {"name": "ratings", "data": {"path": "\(folder)", "event_float_columns": ["rating"]},
         "model": {"dimension": 16, "modalities": ["sequence"], "encoders": {"sequence": {"type": "mean"}}, "fusion": {"type": "concat", "hidden": [16]},
                   "consistency": {"folds": 2, "epochs": 12, "hidden": [32], "lr": 0.01}},
         "training": {"epochs": 2, "batch_size": 32},
         "output": {"directory": "\(out)/Results", "save_checkpoints": false}, "threads": 2}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: path, overrides: [head] + overrides, schema: ExperimentSchema.root)
    }

    @Test func usersRatingAgainstTheItemsAreMoreSurprising() throws {
        let out = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let config = try Self.config(out)
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        let schema = dataset.schema(imageSize: nil)
        // Integer ratings 1…5: at most 5 buckets, each holding one rating.
        let edges = try #require(schema.sequenceFloatEdges?.first)
        #expect(edges.count == 4, "edges \(edges)")
        #expect(dataset.sequence.floatBucketRanges[0].allSatisfy { $0.lowerBound == $0.upperBound })
        let model = ModelOptions(section: config["model"]!)
        var notes: [String] = []
        let specs = try MultimodalModel.consistencySpecs(options: model, schema: schema, modalities: [.sequence], notes: &notes)
        let fit = try ConsistencyFitter(specs: specs, options: runner.options.fit, model: model, schema: schema,
                                        builder: BatchBuilder(dataset: dataset, images: nil), seed: 1, log: { _ in }).fit()
        #expect(fit.raw.heads == ["rating_vs_item", "rating_vs_item.max"])
        func rocAUC(_ column: Int) -> Double? {
            let judged = (0..<dataset.sampleCount).filter { fit.raw.value(sample: $0, head: column) != nil }
            #expect(judged.count == dataset.sampleCount)
            return RankingCurve(scores: judged.map { Double(fit.raw.value(sample: $0, head: column)!) }, labels: judged.map { dataset.labels[$0] == 1 }).rocAUC
        }
        let mean = try #require(rocAUC(0)), maximum = try #require(rocAUC(1))
        print("per-event head: ROC-AUC of the mean surprise \(mean), of the max \(maximum); held-out gain \(fit.heldOutGains), target ROC-AUC \(fit.heldOutTargetROCAUCs)")
        #expect(mean > 0.8, "ROC-AUC of the mean surprise \(mean)")
        // Measured per event on the held-out folds, shared by both columns.
        let gain = try #require(fit.heldOutGains[0])
        #expect(gain > 0.1 && fit.heldOutGains[1] == gain, "held-out gain \(gain) nats per event")
        #expect((fit.heldOutTargetROCAUCs[0] ?? 0) > 0.7)
        // The explanation names the event that disagreed most.
        let cutoffs = ExplanationCutoffs(fit: fit, dataset: dataset, quantile: 0.95)
        let anomaly = try #require(dataset.indices(.test).first { dataset.labels[$0] == 1 && !cutoffs.failed(sample: $0).isEmpty })
        let position = Int(fit.worstEvent[anomaly * 2])
        #expect(position >= 2 && position < Int(dataset.sequence.lengths[anomaly]), "the views come first and are not judged")
        #expect(dataset.sequence.lengths[anomaly] == Int32(Self.eventsPerUser + 2) && fit.judgedEvents[anomaly * 2] == Int32(Self.eventsPerUser))
        let sentence = RunFiles.eventMismatch(specs[0], sample: anomaly, position: position, likeliest: fit.likeliest[anomaly * 2], dataset: dataset)
        print("explanation: \(sentence)")
        #expect(sentence.hasPrefix("event \(position + 1) (item_id `i") && sentence.contains("): rating ") && sentence.contains(" where its item_id suggests "))
    }

    @Test func aRunWritesBothColumnsAndExplainsThePerEventCheck() throws {
        let out = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let runner = ExperimentRunner(config: try Self.config(out, ["model.consistency.epochs=4"]), reporter: { _ in })
        runner.interactive = false
        let dir = try runner.run(seed: 1, fold: nil, resume: false).directory
        let predictions = read(dir + "/predictions.csv").split(separator: "\n")
        #expect(predictions.first?.hasSuffix(",surprise_rating_vs_item,surprise_rating_vs_item.max") == true)
        let explanations = read(dir + "/explanations.csv")
        print("explanations.csv: \(explanations.split(separator: "\n").first { $0.contains("nats over") } ?? "")")
        #expect(explanations.contains(" surprise ") && explanations.contains("nats over 8 events"), "\(explanations.prefix(600))")
        let metrics = try JSONParser.parse(read(dir + "/metrics.json"))
        #expect(metrics["consistency"]?["rating_vs_item.max"]?["aggregate"] == "max")
        #expect(metrics["consistency"]?["rating_vs_item"]?["aggregate"] == "mean")
    }
}
