import Foundation
import Testing
import Datasets
import Support
#if canImport(Glibc)
import Glibc
#endif
@testable import Lab

/// A run folder is complete or absent: staged, published with a marker, locked while written,
/// resumed only under the config that made it.
@Suite(.serialized) struct RunFolderTests {
    let quick = ["training.epochs=2", "model.modalities=[\"sequence\",\"profile\"]"]

    @Test func aPublishedRunHasItsMarkerAndNoStagingOrTemporaryFiles() throws {
        let out = scratchDirectory()
        let result = try ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
        let marker = try JSONParser.parse(read(result.directory + "/" + RunFolder.marker))
        let listed = marker["files"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let present = try FileManager.default.contentsOfDirectory(atPath: result.directory).sorted()
        #expect(listed == present.filter { $0 != RunFolder.marker && !$0.hasPrefix(".") })
        #expect(listed.contains("metrics.json") && listed.contains("state.safetensors"))
        let siblings = try FileManager.default.contentsOfDirectory(atPath: (result.directory as NSString).deletingLastPathComponent)
        #expect(siblings == ["seed-0"], "\(siblings)")
        #expect(!present.contains { $0.hasSuffix(".tmp") })
    }

    @Test func aFailedRunLeavesOnlyItsStagingFolderWithTheLog() throws {
        let out = scratchDirectory()
        var lines: [String] = []
        let runner = ExperimentRunner(config: try tinyConfig(out, quick), reporter: { lines.append($0) })
        runner.interruptAfterEpoch = 1
        #expect(throws: TrainingError.self) { try runner.run(seed: 0, fold: nil, resume: false) }
        let final = out + "/Results/tiny/runs/full/seed-0", staging = out + "/Results/tiny/runs/full/.seed-0.partial"
        #expect(!FileManager.default.fileExists(atPath: final))
        #expect(read(staging + "/log.txt").contains("run failed: interrupted after epoch 1"))
        #expect(lines.last == "the unfinished run is kept at \(staging) (its log: \(staging)/log.txt); --resume continues it")
        let found = RunRecord.findRuns(under: out)
        #expect(found.complete.isEmpty && found.incomplete.map(\.folder) == [staging])
    }

    @Test func aResumedRunAppendsItsLogAndClearsStaleTemporaryFiles() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in })
        runner.interruptAfterEpoch = 1
        #expect(throws: TrainingError.self) { try runner.run(seed: 0, fold: nil, resume: false) }
        let experiment = out + "/Results/tiny", staging = experiment + "/runs/full/.seed-0.partial"
        // What a writer killed mid-write leaves behind.
        for stale in [staging + "/.metrics.json.1234.tmp", experiment + "/.summary.csv.5678.tmp"] {
            try "half".write(toFile: stale, atomically: false, encoding: .utf8)
        }
        runner.interruptAfterEpoch = nil
        let resumed = ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in })
        let result = try resumed.run(seed: 0, fold: nil, resume: true)
        let log = read(result.directory + "/log.txt")
        #expect(log.contains("epoch 1: train loss") && log.contains("run failed: interrupted after epoch 1"))
        #expect(log.contains("resumed from") && log.contains("epoch 2: train loss"))
        #expect(log.components(separatedBy: "epoch 1: train loss").count == 2, "epoch 1 logged once")
        #expect(!FileManager.default.fileExists(atPath: experiment + "/.summary.csv.5678.tmp"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: result.directory).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func resumeWithAnotherConfigIsRefusedNamingTheKeys() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in })
        runner.interruptAfterEpoch = 1
        #expect(throws: TrainingError.self) { try runner.run(seed: 0, fold: nil, resume: false) }
        let changed = ExperimentRunner(config: try tinyConfig(out, quick + ["training.optimizer.lr=0.0003"]), reporter: { _ in })
        do {
            _ = try changed.run(seed: 0, fold: nil, resume: true)
            Issue.record("expected the resume to be refused")
        } catch let error as RunFolderError {
            guard case let .configChanged(_, differences) = error else { Issue.record("\(error)"); return }
            #expect(differences == [JSONDifference(path: "training.optimizer.lr", old: "0.001", new: "0.0003")])
            #expect(error.description.contains("training.optimizer.lr: 0.001 → 0.0003"), "\(error)")
        }
        // The same holds for a finished run: --resume does not quietly keep results of another config.
        let finished = try ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in }).run(seed: 1, fold: nil, resume: false)
        #expect(throws: RunFolderError.self) { try changed.run(seed: 1, fold: nil, resume: true) }
        #expect(RunFolder.isComplete(finished.directory))
    }

    @Test func aStateSavedUnderAnotherConfigIsRefusedByTheTrainer() throws {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in })
        runner.interruptAfterEpoch = 1
        #expect(throws: TrainingError.self) { try runner.run(seed: 0, fold: nil, resume: false) }
        // config.json rewritten by hand to match: the state's own fingerprint still tells.
        let staging = out + "/Results/tiny/runs/full/.seed-0.partial"
        let changed = try tinyConfig(out, quick + ["training.optimizer.lr=0.0003"])
        let saved = try JSONParser.parse(read(staging + "/config.json"))
        try DurableFile.write(saved.setting(["training", "optimizer", "lr"], to: 0.0003).rendered(), to: staging + "/config.json")
        do {
            _ = try ExperimentRunner(config: changed, reporter: { _ in }).run(seed: 0, fold: nil, resume: true)
            Issue.record("expected the state to be refused")
        } catch let error as TrainingError {
            #expect(error.description.contains("it was saved under another config"), "\(error)")
        }
    }

    @Test func resumingAFinishedRunKeepsItWithoutRetraining() throws {
        let out = scratchDirectory()
        let first = try ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
        let log = read(first.directory + "/log.txt")
        var lines: [String] = []
        let again = try ExperimentRunner(config: try tinyConfig(out, quick), reporter: { lines.append($0) }).run(seed: 0, fold: nil, resume: true)
        #expect(lines.contains("\(first.directory) is complete; kept (--resume)"))
        #expect(read(first.directory + "/log.txt") == log)
        #expect(again.test == first.test && again.valid == first.valid && again.bestEpoch == first.bestEpoch)
    }

    @Test func aSecondWriterOfTheSameExperimentIsRefused() throws {
        let out = scratchDirectory()
        let experiment = out + "/Results/tiny"
        try FileManager.default.createDirectory(atPath: experiment, withIntermediateDirectories: true)
        // Another process's lock: a separate open file description, as another process would hold.
        try "pid 4242 on elsewhere, since then: fusionlab run x.json\n".write(toFile: experiment + "/.lock", atomically: false, encoding: .utf8)
        let descriptor = open(experiment + "/.lock", O_RDWR)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        do {
            _ = try ExperimentRunner(config: try tinyConfig(out, quick), reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
            Issue.record("expected the lock to refuse")
        } catch let error as DirectoryLockError {
            #expect(error.description == "\(experiment): another fusionlab process is writing this folder (pid 4242 on elsewhere, since then: "
                    + "fusionlab run x.json); wait for it to finish, or give this run another name or output.directory")
        }
        #expect(!FileManager.default.fileExists(atPath: experiment + "/runs"))
        // Released, the folder is free again; the lock is counted within one process.
        _ = flock(descriptor, LOCK_UN)
        let a = try DirectoryLock.acquire(experiment), b = try DirectoryLock.acquire(experiment)
        a.release()
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) != 0, "still held by b")
        b.release()
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
    }

    @Test func schemaJSONIsTheSameBytesForTheSameData() throws {
        let a = scratchDirectory(), b = scratchDirectory()
        let ra = try ExperimentRunner(config: try tinyConfig(a, quick), reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
        let rb = try ExperimentRunner(config: try tinyConfig(b, quick), reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
        let schema = read(ra.directory + "/schema.json")
        #expect(!schema.isEmpty && schema == read(rb.directory + "/schema.json"))
        // Keys in sorted order at every level, so no per-process hash seed can reorder them.
        func keysSorted(_ v: JSONValue) -> Bool {
            if let pairs = v.objectPairs { return pairs.map(\.0) == pairs.map(\.0).sorted() && pairs.allSatisfy { keysSorted($0.1) } }
            return (v.arrayValue ?? []).allSatisfy(keysSorted)
        }
        let parsed = try JSONParser.parse(schema)
        #expect((parsed.objectPairs?.count ?? 0) > 3 && keysSorted(parsed))
        #expect(try JSONDecoder().decode(DatasetSchema.self, from: Data(schema.utf8)).sequenceLength > 0)
    }
}
