import Foundation

extension PreparedDataset {
    /// The dataset `fusionlab prepare` wrote to `path`, checked first: the format, the config
    /// fields that shaped it against `shapedBy` (this run's), the source files in `dataFolder`
    /// against their recorded sizes and times, the column files' sizes, and the checksums of the
    /// per-sample columns read here. The per-event and per-row columns stay on disk (`onDisk`),
    /// verified block by block as batches read them.
    public static func openCache(_ path: String, dataFolder: String, options: DataOptions, shapedBy: [String: String]) throws(CacheError) -> PreparedDataset {
        let manifestPath = (path as NSString).appendingPathComponent(CacheManifest.fileName)
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw .unreadable(path: manifestPath, reason: FileManager.default.fileExists(atPath: path)
                              ? "not found: the folder is not a prepared cache (or its preparation did not finish); write one with `fusionlab prepare`"
                              : "no prepared cache here; write one with `fusionlab prepare DATA --out \(path) --config CONFIG`")
        }
        struct Version: Decodable { var format: Int }
        guard let version = try? JSONDecoder().decode(Version.self, from: data) else {
            throw .corrupt(file: manifestPath, reason: "the manifest is not valid JSON")
        }
        guard version.format == CacheManifest.currentFormat else {
            throw .unreadable(path: manifestPath, reason: "written in cache format \(version.format); this version reads format \(CacheManifest.currentFormat): prepare it again")
        }
        let manifest: CacheManifest
        do { manifest = try JSONDecoder().decode(CacheManifest.self, from: data) } catch {
            throw .corrupt(file: manifestPath, reason: "the manifest cannot be read (\(error))")
        }
        var changes: [String] = []
        for key in Set(manifest.shapedBy.keys).union(shapedBy.keys).sorted() where manifest.shapedBy[key] != shapedBy[key] {
            changes.append("\(key) was \(manifest.shapedBy[key] ?? "(absent)") when prepared, is \(shapedBy[key] ?? "(absent)") now")
        }
        let now = SourceFingerprint.current(folder: dataFolder, paths: manifest.source.files.map(\.path))
        changes += SourceFingerprint(folder: dataFolder, files: manifest.source.files).changes(now: now)
        guard changes.isEmpty else { throw .stale(cache: path, changes: changes) }

        let columns = try CachedColumns(folder: path, manifest: manifest)
        let facts = manifest.facts, n = facts.sampleCount
        func table(_ prefix: String, _ t: PreparedFacts.Table?) throws(CacheError) -> TabularFeatures? {
            guard let t else { return nil }
            return TabularFeatures(facts: t, present: try columns.readAll(prefix + ".present", as: UInt8.self).map { $0 != 0 })
        }
        var imagePaths = [String?](repeating: nil, count: n)
        if let images = facts.images {
            for (i, slot) in try columns.readAll("image_slot", as: Int32.self).enumerated() where slot >= 0 { imagePaths[i] = images.paths[Int(slot)] }
        }
        var dataset = PreparedDataset(
            options: options, folder: dataFolder, sampleIDs: try columns.readStrings("sample_id", count: n),
            labels: try columns.readAll("label", as: Float.self),
            anomalyTypes: try columns.readStrings("anomaly_type", count: n),
            anomalyClasses: try columns.readAll("anomaly_class", as: Int32.self), anomalyClassNames: facts.anomalyClassNames,
            roles: try columns.readAll("role", as: Int8.self).map { SplitRole(rawValue: $0) ?? .test },
            sequence: SequenceFeatures(facts: facts.sequence, lengths: try columns.readAll("sequence.length", as: Int32.self)),
            profile: try table("profile", facts.profile), attributes: try table("attributes", facts.attributes),
            imagePaths: imagePaths, targetItems: try columns.readStrings("target_item", count: n), events: nil,
            labelsFile: facts.labelsFile, splitStrategy: SplitStrategy(rawValue: facts.splitStrategy) ?? options.split, report: facts.report)
        dataset.fitted = facts.fitted
        dataset.labelled = facts.labelled
        dataset.onDisk = columns
        dataset.cachedImages = facts.images
        return dataset
    }

    /// The same dataset with every column read into memory (what code that reads whole columns
    /// needs: consistency explanations, fingerprints). Memory is then O(dataset) again.
    public func loadingColumns() throws(CacheError) -> PreparedDataset {
        guard let columns = onDisk else { return self }
        var d = self
        for k in d.sequence.tokenFields.indices {
            d.sequence.tokenFields[k].values = try columns.readAll("sequence.tokens." + d.sequence.tokenFields[k].name, as: Int32.self)
        }
        d.sequence.floats = try columns.readAll("sequence.floats", as: Float.self)
        if columns.has("sequence.float_missing") { d.sequence.floatMissing = try columns.readAll("sequence.float_missing", as: UInt8.self) }
        if d.profile != nil {
            d.profile!.floats = try columns.readAll("profile.floats", as: Float.self)
            d.profile!.categorical = try columns.readAll("profile.categorical", as: Int32.self)
        }
        if d.attributes != nil {
            d.attributes!.floats = try columns.readAll("attributes.floats", as: Float.self)
            d.attributes!.categorical = try columns.readAll("attributes.categorical", as: Int32.self)
        }
        d.onDisk = nil
        return d
    }
}
