import Foundation
import Datasets
import Support

/// `fusionlab prepare`: a config's dataset, prepared once (split, vocabularies and statistics
/// from its training part, images decoded and resized) and written as a cache that runs read
/// batch by batch (`data.cache`).
public enum CachePreparation {
    /// Prepares the dataset at `dataPath` as `config`'s data section says and writes it to
    /// `out`; returns what to print. `inPasses` (the default) reads the events into files in the
    /// cache's staging folder and prepares them a few columns and one chunk of samples at a time
    /// (`PreparedDataset.prepareInPasses`), so a dataset larger than memory can be prepared;
    /// without it the dataset is prepared in memory, as a run does. Both write the same bytes.
    public static func prepare(config: JSONValue, dataPath: String, out: String, overwrite: Bool, inPasses: Bool = true, chunkSamples: Int = 8192,
                               reporter: @escaping (String) -> Void = { print($0) }) throws -> String {
        let began = ContinuousClock.now
        // The config's shop is generated if absent; another folder is taken as it is.
        let ownShop = config["data"]?["path"]?.stringValue == dataPath
        let config = config.setting(["data", "path"], to: .string(dataPath)).setting(["data", "cache"], to: .null)
            .setting(["data", "generate"], to: ownShop ? config["data"]?["generate"] ?? .null : .null)
        let runner = ExperimentRunner(config: config, reporter: reporter)
        if runner.options.folds != nil {
            throw CacheError.unsupported(cache: out, reason: "data.split.folds is set; a cache holds one split, and prepare does not write one per fold yet")
        }
        let shapedBy = PreparedCacheOptions.shapingFields(of: config["data"]!)
        let dataset: PreparedDataset, images: CacheWriter.Images?
        if inPasses {
            if let generate = runner.options.generate {
                try DatasetGeneration.generateIfNeeded(preset: generate.preset, seed: generate.seed, into: dataPath, log: reporter)
            }
            let staging = try CacheWriter.beginStaging(out, overwrite: overwrite)
            do {
                let raw = try RawDataset.load(folder: dataPath, spillingEventsTo: (staging as NSString).appendingPathComponent("events.spill"))
                let (spill, tables) = (raw.events.spilled, tableFiles(raw))
                // The raw dataset goes to the preparation (its last use here), which drops what it no longer needs.
                let (prepared, written) = try PreparedDataset.prepareInPasses(consume raw, options: runner.options.data, staging: staging, chunkSamples: chunkSamples)
                spill?.remove()
                DatasetCache.describe(prepared, options: runner.options.data, reporter: reporter)
                (dataset, images) = (prepared, try decodeImages(prepared, options: runner.options.images))
                try CacheWriter.finish(dataset, images: images, sourceFiles: tables + (images?.paths ?? []), shapedBy: shapedBy, staging: staging, to: out,
                                       sequence: written)
            } catch {
                try? FileManager.default.removeItem(atPath: staging)
                throw error
            }
        } else {
            dataset = try runner.dataset(fold: nil)
            guard let raw = runner.datasetCache?.raw(path: dataPath) else { preconditionFailure("the dataset was prepared through the runner's cache") }
            images = try decodeImages(dataset, options: runner.options.images)
            try CacheWriter.write(dataset, images: images, sourceFiles: tableFiles(raw) + (images?.paths ?? []), shapedBy: shapedBy, to: out, overwrite: overwrite)
        }
        let bytes = (try? FileManager.default.subpathsOfDirectory(atPath: out))?.reduce(0) { sum, file in
            sum + ((try? FileManager.default.attributesOfItem(atPath: (out as NSString).appendingPathComponent(file))[.size] as? Int) ?? 0)
        } ?? 0
        let elapsed = ContinuousClock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let r = dataset.report
        return "prepared \(out): \(dataset.sampleCount) samples (train \(r.splitCounts["train"] ?? 0), valid \(r.splitCounts["valid"] ?? 0), "
            + "test \(r.splitCounts["test"] ?? 0)) from \(r.events) events, \(images?.paths.count ?? 0) images; "
            + String(format: "%.1f MB in %.1f s", Double(bytes) / 1e6, seconds)
    }

    /// The tables a cache records the fingerprints of (before each image's).
    static func tableFiles(_ raw: RawDataset) -> [String] {
        ([raw.events, raw.labels] + [raw.users, raw.items].compactMap { $0 }).map(\.file)
    }

    /// Every distinct image samples point at, decoded, resized and normalised as a run would
    /// (`ImageStore`, with the config's policy: a bad image stops here or is recorded as masked).
    static func decodeImages(_ dataset: PreparedDataset, options: ImageOptions) throws -> CacheWriter.Images? {
        guard dataset.imagePaths.contains(where: { $0 != nil }) else { return nil }
        let store = try ImageStore(dataset: dataset, imageSize: options.size, normalization: options.channelNormalization,
                                   policy: options.missingPolicy, maxPixels: options.maxPixels)
        let plane = 3 * options.size * options.size
        var slotOfPath: [String: Int32] = [:], paths: [String] = [], planes: [Float] = [], failed: [(slot: Int, reason: String)] = []
        var slotOfSample = [Int32](repeating: -1, count: dataset.sampleCount)
        for (i, path) in dataset.imagePaths.enumerated() {
            guard let path else { continue }
            if let slot = slotOfPath[path] { slotOfSample[i] = slot; continue }
            let slot = Int32(paths.count)
            slotOfPath[path] = slot
            paths.append(path)
            planes.append(contentsOf: repeatElement(0, count: plane))
            let decoded = try planes.withUnsafeMutableBufferPointer { try store.fill(sample: i, into: $0.baseAddress! + Int(slot) * plane) }
            if !decoded { failed.append((Int(slot), store.masked.last?.reason ?? "no usable image")) }
            slotOfSample[i] = slot
        }
        return CacheWriter.Images(size: options.size, paths: paths, slotOfSample: slotOfSample, planes: planes, failed: failed)
    }
}
