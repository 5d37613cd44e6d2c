import Foundation
import Datasets
import Support

/// Datasets read and prepared once per study: every runner of a study (its variants, seeds and
/// folds) asks this cache, so variants with the same data section share one prepared dataset
/// and one read of the files.
public final class DatasetCache {
    private var raw: [String: RawDataset] = [:]
    private var prepared: [String: PreparedDataset] = [:]

    public init() {}

    /// The raw tables of a dataset this cache prepared (the feature export reads them).
    func raw(path: String) -> RawDataset? { raw[path] }

    /// `cache`: read the dataset `fusionlab prepare` wrote there (checked against `path` and the
    /// config) instead of preparing it from the tables.
    func prepared(path: String, generate: ExperimentOptions.GenerateOptions?, options: DataOptions, cache: PreparedCacheOptions? = nil,
                  reporter: (String) -> Void) throws -> PreparedDataset {
        let key = path + "\n" + String(describing: options) + "\n" + (cache?.path ?? "")
        if let d = prepared[key] { return d }
        let d: PreparedDataset
        if let cache {
            d = try PreparedDataset.openCache(cache.path, dataFolder: path, options: options, shapedBy: cache.shapedBy)
            reporter("data: read from the prepared cache \(cache.path)")
        } else {
            if raw[path] == nil {
                if let generate { try DatasetGeneration.generateIfNeeded(preset: generate.preset, seed: generate.seed, into: path, log: reporter) }
                raw[path] = try RawDataset.load(folder: path)
            }
            d = try PreparedDataset.prepare(raw[path]!, options: options)
        }
        Self.describe(d, options: options, reporter: reporter)
        prepared[key] = d
        return d
    }

    /// The run log's lines about a prepared dataset: its counts, then each note.
    static func describe(_ d: PreparedDataset, options: DataOptions, reporter: (String) -> Void) {
        let r = d.report
        reporter("data: \(d.sampleCount) samples (train \(r.splitCounts["train"] ?? 0), valid \(r.splitCounts["valid"] ?? 0), "
                 + "test \(r.splitCounts["test"] ?? 0)), \(r.events) events; dropped \(r.droppedEvents) events of unknown users/items; "
                 + "\(r.samplesWithoutEvents) samples without events; \(r.truncatedSequences) sequences truncated to \(options.maxLength)"
                 + (r.ignoredColumns.isEmpty ? "" : "; unused columns: \(r.ignoredColumns.joined(separator: ", "))"))
        for note in r.notes { reporter("note: \(note)") }
    }
}

/// Generates the synthetic shop when a config's dataset folder is absent, or holds a shop this
/// generator would not write for the config (an older format after an upgrade, another preset or
/// seed) — a stale shop would otherwise give results the code no longer produces.
public enum DatasetGeneration {
    public static func generateIfNeeded(preset: String, seed: Int, into path: String, log: (String) -> Void) throws {
        guard let p = ShopPreset(rawValue: preset) else { throw ConfigError(path: "data.generate.preset", message: "unknown preset \(preset)") }
        let state = { SyntheticShop.state(of: path, preset: p, seed: UInt64(seed)) }
        // Without the lock, only a finished shop is taken: a folder without its meta.json may be
        // one that another shard is writing right now.
        if state() == .current { return }
        // Shards of a study starting together on a shared filesystem: one generates, the others
        // wait for it and then find the shop written.
        let parent = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let lock: DirectoryLock
        do {
            lock = try DirectoryLock.acquire(parent.isEmpty ? "." : parent, file: ".\(name).generating.lock", waiting: .seconds(3600),
                                             hint: "it has been generating \(path) for an hour; is it stuck?")
        } catch {
            // A folder of the user's own data where no lock can be made (a read-only parent):
            // nothing of ours writes there, and it is read as it is.
            if FileManager.default.fileExists(atPath: path) && state() == .notOurs { return }
            throw error
        }
        defer { lock.release() }
        var overwrite = false
        switch state() {
        case .current: return
        case .stale(let reason):
            log("data: \(path) \(reason); generating it again")
            overwrite = true
        case .notOurs:
            // The user's own data is read as it is.
            if FileManager.default.fileExists(atPath: path) { return }
            log("data: \(path) not found; generating the synthetic shop (preset \(preset), seed \(seed))")
        }
        let began = Date()
        let summary = try SyntheticShop(config: ShopConfig(preset: p, seed: UInt64(seed))).write(to: path, overwrite: overwrite)
        log(String(format: "data: wrote %d samples in %.1fs", summary.samples, Date().timeIntervalSince(began)))
    }
}
