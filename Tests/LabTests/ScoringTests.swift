import Foundation
import Testing
import Datasets
import Support
@testable import Lab

/// `fusionlab score`'s engine: a run folder scores its own dataset's test split exactly as its
/// predictions.csv (bit for bit), refuses by name a folder without its artefacts, maps unseen
/// tokens to the unknown token and publishes its output only when complete.
@Suite(.serialized) struct ScoringTests {
    /// The consistency heads of Configs/models/consistency-heads.json that the tiny shop's config can read.
    static let heads = #"model.consistency.heads={"image_category": {"from": "image", "predict": "attributes.category_id"}, "price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}, "device_vs_profile": {"from": "profile", "predict": "sequence.last.device"}, "rating_vs_raters": {"from": ["sequence.events.item_id"], "predict": "sequence.events.rating"}}"#

    static func train(_ overrides: [String]) throws -> String {
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory(), ["training.epochs=2"] + overrides), reporter: { _ in })
        runner.interactive = false
        return try runner.run(seed: 1, fold: nil, resume: false).directory
    }

    /// predictions.csv's rows of `split`, by sample id: the fields scoring must reproduce.
    static func predictions(_ run: String, split: String) -> [String: [String: String]] {
        let lines = read(run + "/predictions.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var out: [String: [String: String]] = [:]
        for row in lines.dropFirst() where row[1] == split { out[row[0]] = Dictionary(uniqueKeysWithValues: zip(lines[0], row)) }
        return out
    }

    static func scores(_ path: String) -> [String: [String: String]] {
        let lines = read(path).split(separator: "\n").map { CSVRow.fields(String($0)) }
        return Dictionary(uniqueKeysWithValues: lines.dropFirst().map { ($0[0], Dictionary(uniqueKeysWithValues: zip(lines[0], $0))) })
    }

    func expectReproduces(_ run: String, split: String) throws {
        let out = scratchDirectory() + "/scores.csv"
        let scorer = try RunScorer(runFolder: run)
        let summary = try scorer.score(ScoringJob(data: tinyShop, split: ScoringJob.part(named: split), output: out))
        let expected = Self.predictions(run, split: split), got = Self.scores(out)
        #expect(summary.samples == expected.count && got.count == expected.count)
        for (id, row) in expected {
            for (column, value) in row where column != "split" {
                #expect(got[id]?[column] == value, "\(id) \(column): predictions.csv \(value), score \(got[id]?[column] ?? "absent")")
            }
        }
    }

    @Test func theDefaultModelReproducesItsTestPredictionsBitForBit() throws {
        let run = try Self.train([])
        try expectReproduces(run, split: "test")
        try expectReproduces(run, split: "valid")
    }

    @Test func consistencyHeadsReproduceTheirTestPredictionsAndExplanations() throws {
        let run = try Self.train([Self.heads, "model.consistency.folds=2", "model.consistency.epochs=2", "data.event_token_columns=[\"device\", \"region\"]"])
        try expectReproduces(run, split: "test")
        // The explanation columns are explanations.csv's.
        let out = scratchDirectory() + "/scores.csv"
        _ = try RunScorer(runFolder: run).score(ScoringJob(data: tinyShop, split: .test, output: out))
        let got = Self.scores(out)
        let explanations = read(run + "/explanations.csv").split(separator: "\n").map { CSVRow.fields(String($0)) }
        for row in explanations.dropFirst() where row[1] == "test" {
            #expect(got[row[0]]?["failed_checks"] == row[6] && got[row[0]]?["explanation"] == row[7], "\(row[0])")
        }
        // Every sample of the dataset, streamed without --split: one row each, the threshold applied.
        let all = scratchDirectory() + "/all.csv"
        let summary = try RunScorer(runFolder: run).score(ScoringJob(data: tinyShop, output: all))
        let rows = Self.scores(all)
        #expect(summary.samples == 400 && rows.count == 400)
        #expect(rows.values.allSatisfy { $0["attribution_sequence"] != nil && $0["surprise_image_category"] != nil })
    }

    @Test func aRunFolderWithoutItsArtefactsIsRefusedByName() throws {
        let run = try Self.train(["training.epochs=1"])
        try FileManager.default.removeItem(atPath: run + "/" + RunArtefacts.file)
        do {
            _ = try RunScorer(runFolder: run)
            Issue.record("a run folder without preprocessing.json scored")
        } catch {
            let message = "\(error)"
            #expect(message.contains(run) && message.contains("has no preprocessing.json") && message.contains("run it again"), "\(message)")
        }
        // Not a run folder at all; a classical run.
        #expect(throws: RunArtefactError.self) { try RunScorer(runFolder: (run as NSString).deletingLastPathComponent) }
        let classical = try Self.train(["model.type=logistic_regression"])
        do {
            _ = try RunScorer(runFolder: classical)
            Issue.record("a classical run scored")
        } catch {
            #expect("\(error)".contains("not supported yet for model.type logistic_regression: a classical run saves neither its fitted model"), "\(error)")
        }
    }

    /// A copy of the tiny shop with `edit` applied to its files' text.
    static func editedShop(_ edit: (String, String) -> String) throws -> String {
        let folder = scratchDirectory() + "/shop"
        try FileManager.default.copyItem(atPath: tinyShop, toPath: folder)
        for name in ["events.csv", "labels.csv", "users.csv", "items.csv"] {
            let path = folder + "/" + name
            try edit(name, read(path)).write(toFile: path, atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test func unseenTokensBecomeTheUnknownTokenAndAbsentRowsAreMasked() throws {
        let run = try Self.train(["training.epochs=1", "data.event_token_columns=[\"device\"]"])
        let scorer = try RunScorer(runFolder: run)
        // u0's device is one no training sample used.
        let shop = try Self.editedShop { name, text in
            name == "events.csv" ? text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("u0,") ? $0.replacingOccurrences(of: ",android,", with: ",palmos,").replacingOccurrences(of: ",ios,", with: ",palmos,").replacingOccurrences(of: ",web,", with: ",palmos,") : String($0) }.joined(separator: "\n") : text
        }
        let data = try scorer.data(folder: shop)
        let prepared = try scorer.prepare([0], of: data)
        let device = try #require(prepared.sequence.field("device"))
        let length = Int(prepared.sequence.lengths[0])
        #expect(length > 0 && device.values[0..<length].allSatisfy { $0 == Vocabulary.unknown })
        // A sample of a user and target item the data has no rows or events of: every modality masked.
        let scored = try scorer.score([SampleInput(sampleID: "new", key: "u-never", targetItemID: "i-never"),
                                       SampleInput(sampleID: "known", key: "u0")], in: data)
        #expect(scored.count == 2 && scored.allSatisfy { $0.score.isFinite })
        #expect(scored[0].missingModalities == scorer.modalities && scored[1].missingModalities.isEmpty)
        #expect(scored[0].label == nil && scored[0].attribution.count == scorer.attributionColumns.count)
    }

    @Test func theOutputIsPublishedOnlyWhenComplete() throws {
        let run = try Self.train(["training.epochs=1", "data.images.missing=error"])
        // One picture is gone: scoring stops at its sample, after the header was written.
        let shop = try Self.editedShop { _, text in text }
        let target = read(shop + "/labels.csv").split(separator: "\n")[1].split(separator: ",")[2]
        let item = try #require(read(shop + "/items.csv").split(separator: "\n").first { $0.hasPrefix(target + ",") })
        let image = String(item.split(separator: ",").last!)
        try FileManager.default.removeItem(atPath: shop + "/" + image)
        let folder = scratchDirectory(), out = folder + "/scores.csv"
        #expect(throws: (any Error).self) { try RunScorer(runFolder: run).score(ScoringJob(data: shop, output: out)) }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "no temporary file is left behind")
        // Whole, it is published.
        _ = try RunScorer(runFolder: run).score(ScoringJob(data: tinyShop, output: out))
        #expect(Self.scores(out).count == 400)
    }
}

/// Fields of one CSV line as CSVTable writes them (quoted when they hold a comma or quote).
enum CSVRow {
    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false, chars = Array(line), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" { if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false } } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(field); field = "" } else { field.append(c) }
            i += 1
        }
        fields.append(field)
        return fields
    }
}
