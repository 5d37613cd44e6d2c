import Foundation
import Testing

/// The `fusionlab` command line, run as a subprocess: exit codes and messages of option parsing,
/// config validation, `table` and `run --dry-run`.
@Suite(.serialized) struct CommandLineTests {
    /// The built `fusionlab`, beside this test bundle in the build folder.
    static let executable: String? = {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((((exe as NSString).deletingLastPathComponent) as NSString).appendingPathComponent("fusionlab"))
        }
        if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() { candidates.append(bundle.appendingPathComponent("fusionlab").path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/fusionlab").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Result { var status: Int32; var out: String; var err: String }

    func fusionlab(_ arguments: [String], in directory: String? = nil) throws -> Result {
        let path = try #require(Self.executable, "fusionlab not found next to the test bundle; build with `swift build --build-tests`")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile(), errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    func scratch() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fl-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func writeConfig(_ dir: String, data: String = "/nonexistent/fl-shop", extra: String = "") throws -> String {
        let path = dir + "/experiment.json"
        try """
        {"name": "cli", "data": {"path": "\(data)", "images": {"size": 16}}, "model": {"dimension": 16,
         "encoders": {"sequence": {"layers": 1, "heads": 2, "feedforward": 32}}, "fusion": {"heads": 2}},
         "training": {"epochs": 1}, "output": {"directory": "\(dir)/Results"}\(extra)}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validateAcceptsAGoodConfigAndRejectsABadOne() throws {
        let dir = try scratch()
        let good = try writeConfig(dir)
        let ok = try fusionlab(["validate", good])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out.contains("\"epochs\": 1") && ok.out.contains("config OK (dataset /nonexistent/fl-shop not present: model not built)"), "\(ok.out)")

        let bad = try writeConfig(dir, extra: #", "evaluation": {"threshold": "youden"}"#)
        let refused = try fusionlab(["validate", bad])
        #expect(refused.status == 1)
        #expect(refused.err.hasPrefix("error: \(bad): evaluation.threshold: \"youden\" is not one of max_f1, fpr"), "\(refused.err)")
        #expect(refused.out.isEmpty)
    }

    @Test func setOverridesAreCheckedLikeTheFile() throws {
        let dir = try scratch()
        let config = try writeConfig(dir)
        let unknown = try fusionlab(["validate", config, "--set", "training.nosuch=1"])
        #expect(unknown.status == 1)
        #expect(unknown.err.contains("training.nosuch: unknown key; valid keys here: epochs, batch_size"), "\(unknown.err)")
        let typo = try fusionlab(["validate", config, "--set", "model.fusion.type=attn"])
        #expect(typo.status == 1 && typo.err.contains("model.fusion.type: \"attn\" is not one of") && typo.err.contains("did you mean \"attention\""), "\(typo.err)")
        // A good override is applied.
        let applied = try fusionlab(["validate", config, "--set", "training.epochs=7"])
        #expect(applied.status == 0 && applied.out.contains("\"epochs\": 7"), "\(applied.err)")
    }

    /// Merge-patch notes reach the user: `validate` prints them (standard error) beside the resolved config.
    @Test func validateShowsMergePatchNotes() throws {
        let dir = try scratch()
        try #"{"model": {"consistency": {"heads": {"brand": {"from": "image", "predict": "attributes.brand"}}}}}"#
            .write(toFile: dir + "/heads.json", atomically: true, encoding: .utf8)
        let config = try writeConfig(dir, extra: #", "extends": "heads.json""#)
        let result = try fusionlab(["validate", config, "--set", "model.consistency.heads={}", "--set", "training.clip_norm=null"])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.err.contains("note: --set model.consistency.heads={}: model.consistency.heads: {} over a non-empty object changes nothing"),
                "\(result.err)")
        #expect(result.err.contains("note: --set training.clip_norm=null: training.clip_norm: null deletes the key under JSON Merge Patch, "
                                    + "so its default 1 applies; did you mean 0 (off)?"), "\(result.err)")
        #expect(result.out.contains("\"brand\": {") && result.out.contains("\"clip_norm\": 1,"), "\(result.out)")
    }

    @Test func usageErrorsExitWith64() throws {
        let dir = try scratch()
        let format = try fusionlab(["table", dir, "--format", "xml"])
        #expect(format.status == 64 && format.err.contains("--format must be csv, markdown or latex, got xml"), "\(format.err)")
        let threads = try fusionlab(["run", try writeConfig(dir), "--threads", "0"])
        #expect(threads.status == 64 && threads.err.contains("--threads must be at least 1, got 0"), "\(threads.err)")
        let mode = try fusionlab(["ablate", try writeConfig(dir), "--mode", "leave-two-out"])
        #expect(mode.status == 64 && mode.err.contains("--mode \"leave-two-out\" is not one of leave-one-out, single, all-subsets"), "\(mode.err)")
        let missing = try fusionlab(["run", dir + "/missing.json"])
        #expect(missing.status == 1 && missing.err.contains("missing.json"), "\(missing.err)")
    }

    @Test func tableReadsCompleteRunsAndListsTheIncompleteOnes() throws {
        let dir = try scratch()
        let complete = dir + "/runs/full/seed-0", partial = dir + "/runs/full/.seed-1.partial", unmarked = dir + "/runs/full/seed-2"
        for d in [complete, partial, unmarked] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let metrics = #"{"variant": "full", "seed": 0, "fold": null, "test": {"roc_auc": 0.75, "average_precision": 0.5}}"#
        try metrics.write(toFile: complete + "/metrics.json", atomically: true, encoding: .utf8)
        try #"{"format": 1, "files": ["metrics.json"]}"#.write(toFile: complete + "/complete.json", atomically: true, encoding: .utf8)
        // Without complete.json these are not results, whatever they hold.
        try metrics.replacingOccurrences(of: "0.75", with: "0.15").write(toFile: partial + "/metrics.json", atomically: true, encoding: .utf8)
        try metrics.replacingOccurrences(of: "0.75", with: "0.25").write(toFile: unmarked + "/metrics.json", atomically: true, encoding: .utf8)

        let r = try fusionlab(["table", dir, "--format", "csv", "--metrics", "roc_auc,average_precision"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out == "variant,runs,roc_auc_mean,roc_auc_std,average_precision_mean,average_precision_std\nfull,1,0.75,,0.5,\n", "\(r.out)")
        #expect(r.err.contains("skipped 2 incomplete run folder(s):"), "\(r.err)")
        #expect(r.err.contains("\(partial): an unfinished run") && r.err.contains("\(unmarked): no complete.json"), "\(r.err)")

        let nothing = try fusionlab(["table", partial])
        #expect(nothing.status != 0 && nothing.err.contains("no complete run folders (with complete.json) found"), "\(nothing.err)")
    }

    @Test func reportNamesAFolderWithoutRuns() throws {
        let dir = try scratch()
        let missing = try fusionlab(["report", dir + "/no-such-study"])
        #expect(missing.status == 1 && missing.err.contains("error: \(dir)/no-such-study: no such folder"), "\(missing.err)")
        let empty = try fusionlab(["report", dir])
        #expect(empty.status == 1 && empty.err.contains("error: \(dir): no complete run folders (with complete.json) below it"), "\(empty.err)")
        let latex = try fusionlab(["table", dir, "--format", "latex", "--per-run"])
        #expect(latex.status == 64 && latex.err.contains("--format latex shows mean ± std per variant"), "\(latex.err)")
    }

    @Test func dryRunBuildsTheModelAndWritesNothing() throws {
        let dir = try scratch()
        let generated = try fusionlab(["generate", "--preset", "tiny", "--out", dir + "/shop"])
        #expect(generated.status == 0, "\(generated.err)")
        let config = try writeConfig(dir, data: dir + "/shop")
        let r = try fusionlab(["run", config, "--dry-run", "--threads", "1"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("model: sequence + profile + attributes + image, ") && r.out.contains("  encoders.sequence: "), "\(r.out)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/Results"), "a dry run wrote results")
        // A classical model is described by what it reads, not by a neural model it will not build.
        let classical = try fusionlab(["run", config, "--dry-run", "--threads", "1", "--set", "model.type=gbdt"])
        #expect(classical.status == 0, "\(classical.err)")
        #expect(classical.out.contains("model: gbdt on the per-sample features of sequence + profile + attributes + image")
                && !classical.out.contains("encoders.sequence: "), "\(classical.out)")
    }

    @Test func scoreNamesAFolderThatIsNotARunAndRefusesABadSplit() throws {
        let dir = try scratch()
        let missing = try fusionlab(["score", dir + "/no-run", dir, "--out", dir + "/scores.csv"])
        #expect(missing.status != 0 && missing.err.contains("\(dir)/no-run is not a published run folder"), "\(missing.err)")
        let split = try fusionlab(["score", dir, dir, "--out", dir + "/scores.csv", "--split", "holdout"])
        #expect(split.status == 64 && split.err.contains("--split must be train, valid or test"), "\(split.err)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/scores.csv"))
    }

    @Test func serveRefusesAnOpenAddressWithoutATokenAndAFolderThatIsNotARun() throws {
        let dir = try scratch()
        let open = try fusionlab(["serve", dir, "--host", "0.0.0.0"])
        #expect(open.status == 1 && open.err.contains("--host 0.0.0.0 is not a loopback address") && open.err.contains("--token-file"), "\(open.err)")
        let missing = try fusionlab(["serve", dir + "/no-run", "--port", "0"])
        #expect(missing.status == 1 && missing.err.contains("\(dir)/no-run is not a published run folder"), "\(missing.err)")
        let policy = try fusionlab(["serve", dir, "--unknown-ids", "guess"])
        #expect(policy.status == 64 && policy.err.contains("--unknown-ids must be reject or mask"), "\(policy.err)")
    }
}
