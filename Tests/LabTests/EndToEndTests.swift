import Foundation
import Testing
import Datasets
import Support
@testable import Lab

/// The tiny synthetic shop, generated once per test process into a folder of its own (a fresh
/// name, so a folder left by an earlier process — even one with a recycled pid — is never reused),
/// removed when the process exits.
let tinyShop: String = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fl-tiny-\(UUID().uuidString)").path
    _ = try! SyntheticShop(config: ShopConfig(preset: .tiny, seed: 0)).write(to: folder)
    tinyShopToRemove = folder
    atexit { if let folder = tinyShopToRemove { try? FileManager.default.removeItem(atPath: folder) } }
    return folder
}()
nonisolated(unsafe) private var tinyShopToRemove: String?

func scratchDirectory() -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("fl-lab-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// A small, fast experiment on the tiny shop, with the event floats of the shipped shop configs
/// (Configs/datasets/synthetic-small.json: dwell and the reviews' ratings).
func tinyConfig(_ output: String, _ overrides: [String] = []) throws -> JSONValue {
    let path = (output as NSString).appendingPathComponent("experiment.json")
    try """
    {
      "name": "tiny",
      "data": {"path": "\(tinyShop)", "event_float_columns": ["dwell", "rating"], "images": {"size": 16}},
      "model": {"dimension": 16,
                "encoders": {"sequence": {"layers": 1, "heads": 2, "feedforward": 32}, "image": {"channels": [4, 8]},
                             "profile": {"hidden": [16]}, "attributes": {"hidden": [16]}},
                "fusion": {"heads": 2, "hidden": [16]}},
      "training": {"epochs": 3, "batch_size": 64, "early_stopping": {"patience": 10}},
      "output": {"directory": "\(output)/Results"},
      "threads": 2
    }
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return try ConfigLoader.load(path: path, overrides: overrides, schema: ExperimentSchema.root)
}

func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

@Suite(.serialized) struct EndToEndTests {
    @Test func aRunWritesEveryResultFileAndLearns() throws {
        let out = scratchDirectory()
        // Enough steps to learn from 280 training samples (batch 64 × 10 epochs is 50 steps and
        // barely moves the loss): 15 epochs of 18 steps.
        let runner = ExperimentRunner(config: try tinyConfig(out, ["training.epochs=15", "training.batch_size=16", "training.optimizer.lr=0.003"]),
                                      reporter: { _ in })
        runner.interactive = false
        let result = try runner.run(seed: 1, fold: nil, resume: false)
        let dir = result.directory
        for file in ["config.json", "metrics.json", "history.csv", "predictions.csv", "modality_weights.csv", "model.safetensors", "log.txt", "timing.json"] {
            #expect(FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(file)), "\(file) missing")
        }
        // Predictions: a row per sample plus the header; the run learned something.
        let predictions = read(dir + "/predictions.csv").split(separator: "\n")
        #expect(predictions.count == 401)
        #expect(predictions.first == "sample_id,split,label,anomaly_type,score,predicted")
        #expect(read(dir + "/history.csv").split(separator: "\n").count == 16)
        let auc = try #require(result.test.rocAUC)
        #expect(auc > 0.6, "test ROC-AUC \(auc) on the tiny shop")
        // The resolved config was saved and is itself a valid config.
        let saved = try JSONParser.parse(read(dir + "/config.json"))
        _ = try ExperimentSchema.root.validate(saved, path: "")
        // No temporary files are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func sameSeedGivesByteIdenticalMetrics() throws {
        let a = scratchDirectory(), b = scratchDirectory()
        let ra = try ExperimentRunner(config: try tinyConfig(a), reporter: { _ in }).run(seed: 3, fold: nil, resume: false)
        let rb = try ExperimentRunner(config: try tinyConfig(b), reporter: { _ in }).run(seed: 3, fold: nil, resume: false)
        let ma = read(ra.directory + "/metrics.json"), mb = read(rb.directory + "/metrics.json")
        #expect(!ma.isEmpty && ma == mb)
        #expect(read(ra.directory + "/predictions.csv") == read(rb.directory + "/predictions.csv"))
    }

    @Test func aResumedRunEndsLikeAnUninterruptedOne() throws {
        let straight = scratchDirectory(), interrupted = scratchDirectory()
        let r1 = try ExperimentRunner(config: try tinyConfig(straight), reporter: { _ in }).run(seed: 5, fold: nil, resume: false)
        let runner = ExperimentRunner(config: try tinyConfig(interrupted), reporter: { _ in })
        runner.interruptAfterEpoch = 2
        #expect(throws: TrainingError.self) { try runner.run(seed: 5, fold: nil, resume: false) }
        runner.interruptAfterEpoch = nil
        let r2 = try runner.run(seed: 5, fold: nil, resume: true)
        #expect(read(r2.directory + "/log.txt").contains("resumed from"))
        #expect(read(r1.directory + "/metrics.json") == read(r2.directory + "/metrics.json"))
        #expect(read(r1.directory + "/history.csv") == read(r2.directory + "/history.csv"))
    }

    @Test func ablationWritesOneRowPerModalitySet() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, ["training.epochs=1", "seeds=[0, 1]", "model.modalities=[\"sequence\",\"profile\",\"attributes\"]"]),
                                      reporter: { _ in })
        let outcome = try Study(runner: runner, modes: [.leaveOneOut], masked: true, resume: false).run()
        #expect(outcome.table.rows.map { $0[0] } == ["full", "profile+attributes", "sequence+attributes", "sequence+profile"])
        // Each row's ROC-AUC mean and std, worked out here from the two runs' metrics.json: (a + b) / 2 and |a − b| / √2.
        let header = outcome.table.header
        let meanColumn = try #require(header.firstIndex(of: "roc_auc_mean")), stdColumn = try #require(header.firstIndex(of: "roc_auc_std"))
        for row in outcome.table.rows {
            let aucs = try [0, 1].map { seed in
                try #require(try readMetrics(runner.experimentDirectory + "/runs/\(row[0])/seed-\(seed)")["test"]?["roc_auc"]?.doubleValue)
            }
            #expect(row[1] == "2")
            #expect(Swift.abs(try #require(Double(row[meanColumn])) - (aucs[0] + aucs[1]) / 2) < 1e-12, "\(row[0]): \(row) vs \(aucs)")
            #expect(Swift.abs(try #require(Double(row[stdColumn])) - Swift.abs(aucs[0] - aucs[1]) / 2.0.squareRoot()) < 1e-12,
                    "\(row[0]): std \(row[stdColumn]) vs runs \(aucs)")
        }
        let masked = read(try #require(outcome.maskedTablePath))
        #expect(masked.contains("full, image masked") == false && masked.contains("full, profile masked"))
        // `fusionlab table` rebuilds the same aggregate from the run folders.
        let records = RunRecord.findRuns(under: runner.experimentDirectory + "/runs").complete.map { try! RunRecord.read(directory: $0) }
        #expect(ResultTables.aggregate(records, order: outcome.table.rows.map { $0[0] }).text == outcome.table.text)
    }

    @Test func malformedConfigAndDatasetFailWithoutPartialOutput() throws {
        let out = scratchDirectory()
        #expect(throws: ConfigError.self) { try tinyConfig(out, ["model.fusion.type=attn"]) }
        // A dataset whose events.csv has a bad number.
        let broken = scratchDirectory()
        for f in ["users.csv", "items.csv", "labels.csv"] {
            try FileManager.default.copyItem(atPath: tinyShop + "/" + f, toPath: broken + "/" + f)
        }
        var events = read(tinyShop + "/events.csv").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        events[3] = events[3].replacingOccurrences(of: ",17", with: ",x17")
        try events.joined(separator: "\n").write(toFile: broken + "/events.csv", atomically: true, encoding: .utf8)
        let runner = ExperimentRunner(config: try tinyConfig(out, ["data.path=\(broken)"]), reporter: { _ in })
        do {
            _ = try runner.run(seed: 0, fold: nil, resume: false)
            Issue.record("expected a dataset error")
        } catch let error as DatasetError {
            #expect(error.description.hasPrefix("events.csv:4:3: \"x17"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/Results"))
    }

    @Test func aNonFiniteLossStopsTheRunWithAClearMessage() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, ["training.optimizer.lr=1e30", "training.clip_norm=0",
                                                                   "training.schedule.warmup_fraction=0"]), reporter: { _ in })
        do {
            _ = try runner.run(seed: 0, fold: nil, resume: false)
            Issue.record("expected the loss to blow up")
        } catch let error as TrainingError {
            guard case .nonFiniteLoss = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("NaN or infinite"))
        }
        // No run folder was published for the failed run; its staging folder is reported as unfinished.
        let runs = RunRecord.findRuns(under: out)
        #expect(runs.complete.isEmpty && runs.incomplete.count == 1 && runs.incomplete[0].folder.hasSuffix("/.seed-0.partial"), "\(runs)")
    }

    @Test func csvFieldsAreQuotedPerRFC4180() {
        var t = CSVTable(header: ["a", "b,c"])
        t.append(["say \"hi\"", "line\nbreak"])
        t.append(["plain", CSVTable.number(0.1)])
        #expect(t.text == "a,\"b,c\"\n\"say \"\"hi\"\"\",\"line\nbreak\"\nplain,0.1\n")
        // Our own reader reads it back.
        let parsed = try? AtomicTable.parse(bytes: Array("x:token,y:token\n\"say \"\"hi\"\"\",\"line\nbreak\"\n".utf8), file: "t.csv")
        #expect(parsed?.column("x")?.tokens.strings == ["say \"hi\""])
    }
}
