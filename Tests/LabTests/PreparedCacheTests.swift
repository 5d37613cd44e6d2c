import Foundation
import Testing
import Datasets
import Support
@testable import Lab

/// `fusionlab prepare` and `data.cache`: a run reading its batches from the cache gives the
/// in-memory run's results byte for byte; a corrupt, stale or missing cache is refused by name.
@Suite(.serialized) struct PreparedCacheTests {
    /// A copy of the tiny shop (tests that touch the data must not touch the shared one).
    func copiedShop() throws -> String {
        let folder = scratchDirectory() + "/shop"
        try FileManager.default.copyItem(atPath: tinyShop, toPath: folder)
        return folder
    }

    func prepare(_ shop: String, _ out: String, _ overrides: [String] = []) throws -> String {
        let cache = out + "/tiny.cache"
        _ = try CachePreparation.prepare(config: try tinyConfig(out, ["data.path=\(shop)"] + overrides), dataPath: shop, out: cache,
                                         overwrite: false, reporter: { _ in })
        return cache
    }

    /// Every file of a cache folder, by path inside it.
    func files(_ cache: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for file in (try? FileManager.default.subpathsOfDirectory(atPath: cache)) ?? [] {
            if let data = FileManager.default.contents(atPath: cache + "/" + file) { out[file] = data }
        }
        return out
    }

    func run(_ out: String, _ overrides: [String]) throws -> RunResult {
        let runner = ExperimentRunner(config: try tinyConfig(out, overrides), reporter: { _ in })
        runner.interactive = false
        return try runner.run(seed: 2, fold: nil, resume: false)
    }

    @Test func aRunFromTheCacheGivesTheInMemoryRunsFiles() throws {
        let out = scratchDirectory()
        let cache = try prepare(tinyShop, out)
        let memory = try run(scratchDirectory(), [])
        let cached = try run(scratchDirectory(), ["data.cache=\(cache)"])
        for file in ["metrics.json", "predictions.csv", "modality_weights.csv", "attribution_by_type.csv", "preprocessing.json", "model.safetensors"] {
            let a = FileManager.default.contents(atPath: memory.directory + "/" + file), b = FileManager.default.contents(atPath: cached.directory + "/" + file)
            #expect(a != nil && a == b, "\(file) differs between the in-memory run and the run from the cache")
        }
    }

    @Test func aRunWithConsistencyHeadsFromTheCacheGivesTheInMemoryRunsFiles() throws {
        let out = scratchDirectory(), devices = "data.event_token_columns=[\"device\"]"
        let cache = try prepare(tinyShop, out, [devices])
        let heads = [ConsistencyRunTests.heads, "model.consistency.folds=2", "model.consistency.epochs=2", "training.epochs=1", devices]
        let memory = try run(scratchDirectory(), heads)
        let cached = try run(scratchDirectory(), heads + ["data.cache=\(cache)"])
        for file in ["metrics.json", "predictions.csv", "explanations.csv", "attribution_by_type.csv"] {
            let a = FileManager.default.contents(atPath: memory.directory + "/" + file), b = FileManager.default.contents(atPath: cached.directory + "/" + file)
            #expect(a != nil && a == b, "\(file) differs between the in-memory run and the run from the cache")
        }
    }

    @Test func batchesFromTheCacheEqualTheInMemoryBatches() throws {
        let out = scratchDirectory()
        let cache = try prepare(tinyShop, out)
        let options = ExperimentOptions(try tinyConfig(out))
        let memory = try ExperimentRunner(config: try tinyConfig(out), reporter: { _ in }).dataset(fold: nil)
        let disk = try PreparedDataset.openCache(cache, dataFolder: tinyShop, options: options.data,
                                                 shapedBy: PreparedCacheOptions.shapingFields(of: try tinyConfig(out)["data"]!))
        #expect(disk.sequence.tokenFields.allSatisfy { $0.values.isEmpty } && disk.sequence.floats.isEmpty, "the per-event columns stay on disk")
        #expect(disk.sampleIDs == memory.sampleIDs && disk.labels == memory.labels && disk.roles == memory.roles && disk.imagePaths == memory.imagePaths)
        let samples = [399, 0, 17, 17, 250, 3]
        let a = try BatchBuilder(dataset: memory, images: nil).batch(samples), b = try BatchBuilder(dataset: disk, images: nil).batch(samples)
        for (name, tokens) in a.sequenceTokens { #expect(tokens.values == b.sequenceTokens[name]?.values, "sequence field \(name)") }
        #expect(a.sequenceFloats.scalars == b.sequenceFloats.scalars && a.sequenceFloatMissing == b.sequenceFloatMissing)
        #expect(a.profileFloats?.scalars == b.profileFloats?.scalars && a.profileCategorical?.values == b.profileCategorical?.values)
        #expect(a.attributeFloats?.scalars == b.attributeFloats?.scalars && a.attributeCategorical?.values == b.attributeCategorical?.values)
        #expect(a.modalityMask.scalars == b.modalityMask.scalars && a.labels.scalars == b.labels.scalars && a.anomalyClasses == b.anomalyClasses)
        // Read whole, the columns are the in-memory arrays.
        let loaded = try disk.loadingColumns()
        #expect(loaded.sequence.floats == memory.sequence.floats && loaded.profile?.floats == memory.profile?.floats)
        #expect(zip(loaded.sequence.tokenFields, memory.sequence.tokenFields).allSatisfy { $0.values == $1.values })
    }

    /// Preparing in passes (events spilled to files, features written chunk by chunk) writes
    /// the cache preparing in memory writes, byte for byte, whatever the data settings: chunks of
    /// 37 samples cut windows, bucket-edge samples and checksum blocks anywhere.
    @Test(arguments: [
        [String](),
        ["data.event_token_columns=[\"device\",\"region\"]", "data.population_features=false", "data.max_length=7"],
        ["data.item_hash_buckets=64", "data.event_item_columns=[]", "data.min_frequency=2", "data.missing_entities=drop"],
        ["data.event_item_columns=[\"price\",\"seller_id\"]", "data.item_category_column=brand", "data.split.strategy=time"],
        ["data.event_float_columns=[]", "data.gap_buckets=8"],
    ])
    func preparingInPassesWritesTheInMemoryCache(overrides: [String]) throws {
        let out = scratchDirectory(), config = try tinyConfig(out, overrides)
        _ = try CachePreparation.prepare(config: config, dataPath: tinyShop, out: out + "/memory.cache", overwrite: false, inPasses: false, reporter: { _ in })
        var passesLog: [String] = [], memoryLog: [String] = []
        for (chunk, name) in [(37, "passes.cache"), (8192, "passes-whole.cache")] {
            passesLog = []
            _ = try CachePreparation.prepare(config: config, dataPath: tinyShop, out: out + "/" + name, overwrite: false, chunkSamples: chunk,
                                             reporter: { passesLog.append($0) })
            let memory = files(out + "/memory.cache"), passes = files(out + "/" + name)
            #expect(memory.keys.sorted() == passes.keys.sorted(), "the same files")
            for (file, bytes) in memory { #expect(passes[file] == bytes, "\(file) differs (chunks of \(chunk))") }
            #expect(!FileManager.default.fileExists(atPath: out + "/." + name + ".partial"), "the staging folder and its spill are gone")
        }
        _ = try ExperimentRunner(config: config, reporter: { memoryLog.append($0) }).dataset(fold: nil)
        #expect(passesLog.filter { $0.hasPrefix("data: ") || $0.hasPrefix("note: ") } == memoryLog.filter { $0.hasPrefix("data: ") || $0.hasPrefix("note: ") })
    }

    /// A bad events table gives the error preparing in memory gives — its file, line and column
    /// read back from the spill — and leaves no cache or staging folder behind.
    @Test func preparingInPassesReportsTheInMemoryErrors() throws {
        let shop = try copiedShop(), out = scratchDirectory()
        var lines = try String(contentsOfFile: shop + "/events.csv", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[4000] = lines[4000].replacingOccurrences(of: lines[4000].split(separator: ",")[0], with: "u-nobody")
        try lines.joined(separator: "\n").write(toFile: shop + "/events.csv", atomically: true, encoding: .utf8)
        func message(inPasses: Bool, _ overrides: [String]) -> String {
            do {
                _ = try CachePreparation.prepare(config: try tinyConfig(out, ["data.path=\(shop)"] + overrides), dataPath: shop, out: out + "/c.cache",
                                                 overwrite: false, inPasses: inPasses, reporter: { _ in })
                return "no error"
            } catch { return "\(error)" }
        }
        let unknown = message(inPasses: true, ["data.missing_entities=error"])
        #expect(unknown.contains("events.csv:4001:1") && unknown.contains("u-nobody"), "\(unknown)")
        #expect(unknown == message(inPasses: false, ["data.missing_entities=error"]))
        lines[9000] = lines[9000].replacingOccurrences(of: ",", with: ",12x,", options: [], range: lines[9000].range(of: ","))
        try lines.joined(separator: "\n").write(toFile: shop + "/events.csv", atomically: true, encoding: .utf8)
        let malformed = message(inPasses: true, [])
        #expect(malformed.contains("events.csv:9001") && malformed == message(inPasses: false, []), "\(malformed)")
        #expect(!FileManager.default.fileExists(atPath: out + "/c.cache") && !FileManager.default.fileExists(atPath: out + "/.c.cache.partial"))
    }

    @Test func aCorruptColumnIsRefusedNamingTheFileAndBytes() throws {
        let out = scratchDirectory()
        let cache = try prepare(tinyShop, out)
        let column = cache + "/columns/sequence.tokens.item_id.bin"
        let handle = try #require(FileHandle(forUpdatingAtPath: column))
        try handle.seek(toOffset: 4000)
        let byte = try #require(try handle.read(upToCount: 1))
        try handle.seek(toOffset: 4000)
        try handle.write(contentsOf: [byte[0] ^ 0x10])
        try handle.close()
        do {
            _ = try run(scratchDirectory(), ["data.cache=\(cache)"])
            Issue.record("a run read a corrupt cache")
        } catch let error as CacheError {
            guard case let .corrupt(file, reason) = error else { Issue.record("not a corrupt-cache error: \(error)"); return }
            #expect(file == column)
            #expect(reason.contains("sequence.tokens.item_id") && reason.contains("checksum") && reason.contains("bytes 0..<"))
        }
        // A truncated column is refused when the cache is opened.
        try FileHandle(forUpdatingAtPath: cache + "/columns/label.bin")!.truncate(atOffset: 10)
        #expect(throws: CacheError.corrupt(file: cache + "/columns/label.bin", reason: "the column label is 10 bytes, the manifest says 1600 (truncated or replaced)")) {
            _ = try run(scratchDirectory(), ["data.cache=\(cache)"])
        }
    }

    @Test func aCacheOfOtherDataSettingsIsStale() throws {
        let out = scratchDirectory()
        let cache = try prepare(tinyShop, out)
        do {
            _ = try run(scratchDirectory(), ["data.cache=\(cache)", "data.max_length=20", "data.split.seed=4"])
            Issue.record("a run read a cache prepared with other data settings")
        } catch let error as CacheError {
            guard case let .stale(path, changes) = error else { Issue.record("not a stale-cache error: \(error)"); return }
            #expect(path == cache)
            #expect(changes == ["data.max_length was 50 when prepared, is 20 now", "data.split.seed was 0 when prepared, is 4 now"])
        }
        // Settings that do not shape the columns (training, the model) do not make it stale.
        _ = try run(scratchDirectory(), ["data.cache=\(cache)", "training.epochs=1", "model.dimension=8"])
    }

    @Test func aCacheOfChangedDataIsStale() throws {
        let shop = try copiedShop(), out = scratchDirectory()
        let cache = try prepare(shop, out)
        // The same bytes written again: a new modification time is a change.
        let labels = shop + "/labels.csv"
        let text = try String(contentsOfFile: labels, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.01)
        try text.write(toFile: labels, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: shop + "/users.csv")
        do {
            _ = try run(scratchDirectory(), ["data.path=\(shop)", "data.cache=\(cache)"])
            Issue.record("a run read a cache of changed data")
        } catch let error as CacheError {
            guard case let .stale(_, changes) = error else { Issue.record("not a stale-cache error: \(error)"); return }
            #expect(changes.count == 2)
            #expect(changes.contains { $0.hasPrefix("\(shop)/labels.csv was modified (") })
            #expect(changes.contains("\(shop)/users.csv is gone"))
            #expect(error.description.contains("prepare it again"))
        }
    }

    @Test func aMissingCacheAndUnsupportedRunsAreRefused() throws {
        let out = scratchDirectory()
        #expect(throws: CacheError.unreadable(path: out + "/nothing/manifest.json",
                                              reason: "no prepared cache here; write one with `fusionlab prepare DATA --out \(out)/nothing --config CONFIG`")) {
            _ = try run(scratchDirectory(), ["data.cache=\(out)/nothing"])
        }
        let cache = try prepare(tinyShop, out)
        #expect(throws: CacheError.self) { _ = try run(scratchDirectory(), ["data.cache=\(cache)", "model.type=logistic_regression"]) }
        #expect(throws: CacheError.self) { _ = try run(scratchDirectory(), ["data.cache=\(cache)", "data.split.folds=3"]) }
        // A cache is not overwritten unless asked.
        #expect(throws: CacheError.write(path: cache, reason: "it exists; pass --force to replace it")) { _ = try prepare(tinyShop, out) }
    }
}
