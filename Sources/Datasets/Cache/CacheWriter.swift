import Foundation
import Support

/// Writes a prepared dataset as a cache folder: one binary file per column under `columns/`,
/// each with CRC-32C checksums per block, and `manifest.json` last. The folder is built beside
/// its place (`.<name>.partial`) and renamed into place when complete, so a reader never sees
/// half a cache.
public enum CacheWriter {
    /// Bytes per checksum block: large enough that checksums cost nothing, small enough that a
    /// reader verifying the block of one row reads little beyond it.
    static let blockBytes = 1 << 20

    /// The decoded, resized and normalised images of a dataset: `planes[slot]` for `paths[slot]`.
    public struct Images {
        public var size: Int
        public var paths: [String]
        /// Per sample, the slot of its image (−1: none).
        public var slotOfSample: [Int32]
        /// `[paths.count × 3 × size × size]`.
        public var planes: [Float]
        public var failed: [(slot: Int, reason: String)]

        public init(size: Int, paths: [String], slotOfSample: [Int32], planes: [Float], failed: [(slot: Int, reason: String)]) {
            self.size = size; self.paths = paths; self.slotOfSample = slotOfSample; self.planes = planes; self.failed = failed
        }
    }

    /// Writes `dataset` (and `images`) to `path`; `source` lists the files it was read from
    /// (relative to its folder) and `shapedBy` the config fields that shaped it.
    public static func write(_ dataset: PreparedDataset, images: Images?, sourceFiles: [String], shapedBy: [String: String],
                             to path: String, overwrite: Bool) throws(CacheError) {
        precondition(dataset.onDisk == nil, "a cache is written from a dataset held in memory")
        let staging = try beginStaging(path, overwrite: overwrite)
        try finish(dataset, images: images, sourceFiles: sourceFiles, shapedBy: shapedBy, staging: staging, to: path)
    }

    /// The folder `path` is built in (`.<name>.partial` beside it), created empty with its
    /// `columns/`; refused when `path` exists and `overwrite` is not set.
    public static func beginStaging(_ path: String, overwrite: Bool) throws(CacheError) -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) && !overwrite {
            throw .write(path: path, reason: "it exists; pass --force to replace it")
        }
        let parent = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let staging = ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".\(name).partial")
        try? fm.removeItem(atPath: staging)
        do { try fm.createDirectory(atPath: (staging as NSString).appendingPathComponent("columns"), withIntermediateDirectories: true) } catch {
            throw .write(path: staging, reason: "\(error)")
        }
        return staging
    }

    /// Writes the columns of `dataset` into `staging` — but the per-event sequence columns already
    /// written there (`sequence`, a dataset prepared in passes, whose arrays are then empty) — then
    /// the manifest, and renames the folder to `path`.
    public static func finish(_ dataset: PreparedDataset, images: Images?, sourceFiles: [String], shapedBy: [String: String],
                              staging: String, to path: String, sequence written: PreparedDataset.WrittenSequence? = nil) throws(CacheError) {
        let fm = FileManager.default
        var columns: [CacheColumn] = []
        func add<T>(_ name: String, _ dtype: CacheDType, _ shape: [Int], _ values: [T]) throws(CacheError) {
            if let column = written?.columns[name] { columns.append(column); return }
            precondition(MemoryLayout<T>.stride == dtype.size && values.count == shape.reduce(1, *), "column \(name) does not match its shape")
            columns.append(try values.withUnsafeBytes { bytes in Result { () throws(CacheError) in try writeColumn(name, dtype, shape, bytes, into: staging) } }.get())
        }
        func addStrings(_ name: String, _ strings: [String]) throws(CacheError) {
            var offsets = [Int64](repeating: 0, count: strings.count + 1), text: [UInt8] = []
            for (i, s) in strings.enumerated() { text.append(contentsOf: s.utf8); offsets[i + 1] = Int64(text.count) }
            let bytes = offsets.map(\.littleEndian).withUnsafeBytes { Array($0) } + text
            columns.append(try bytes.withUnsafeBytes { raw in Result { () throws(CacheError) in try writeColumn(name, .utf8, [bytes.count], raw, into: staging) } }.get())
        }
        let d = dataset, n = d.sampleCount, length = d.sequence.maxLength, floatWidth = d.sequence.floatNames.count
        let hasFloatMissing = written?.hasFloatMissing ?? !d.sequence.floatMissing.isEmpty
        try addStrings("sample_id", d.sampleIDs)
        try addStrings("anomaly_type", d.anomalyTypes)
        try addStrings("target_item", d.targetItems)
        try add("label", .float32, [n], d.labels)
        try add("anomaly_class", .int32, [n], d.anomalyClasses)
        try add("role", .int8, [n], d.roles.map(\.rawValue))
        try add("sequence.length", .int32, [n], d.sequence.lengths)
        for field in d.sequence.tokenFields { try add("sequence.tokens." + field.name, .int32, [n, length], field.values) }
        try add("sequence.floats", .float32, [n, length, floatWidth], d.sequence.floats)
        if hasFloatMissing { try add("sequence.float_missing", .uint8, [n, length, floatWidth], d.sequence.floatMissing) }
        for (prefix, table) in [("profile", d.profile), ("attributes", d.attributes)] {
            guard let table else { continue }
            try add(prefix + ".present", .uint8, [n], table.present.map { UInt8($0 ? 1 : 0) })
            try add(prefix + ".floats", .float32, [n, table.floatWidth], table.floats)
            try add(prefix + ".categorical", .int32, [n, table.categoricalSizes.count], table.categorical)
        }
        var imageFacts: PreparedFacts.Images?
        if let images {
            try add("image_slot", .int32, [n], images.slotOfSample)
            try add("images", .float32, [images.paths.count, 3, images.size, images.size], images.planes)
            imageFacts = .init(size: images.size, paths: images.paths, failed: images.failed.map { .init(slot: $0.slot, reason: $0.reason) })
        }
        let manifest = CacheManifest(format: CacheManifest.currentFormat, source: .current(folder: d.folder, paths: sourceFiles),
                                     shapedBy: shapedBy, columns: columns, facts: PreparedFacts(d, images: imageFacts, hasFloatMissing: hasFloatMissing))
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            // Written from the encoder's bytes: the manifest of a large dataset is hundreds of MB
            // (the counted events' identities), and each String or Array copy would hold as much again.
            var json = try encoder.encode(manifest)
            json.append(UInt8(ascii: "\n"))
            try DurableFile.write(to: (staging as NSString).appendingPathComponent(CacheManifest.fileName)) { try $0.write(contentsOf: json) }
            if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
            try fm.moveItem(atPath: staging, toPath: path)
        } catch {
            throw .write(path: path, reason: "\(error)")
        }
    }

    /// Writes `bytes` straight from the caller's array (no copy: the arrays are the dataset's
    /// largest), with a checksum per block.
    static func writeColumn(_ name: String, _ dtype: CacheDType, _ shape: [Int], _ bytes: UnsafeRawBufferPointer, into folder: String) throws(CacheError) -> CacheColumn {
        let writer = try ColumnFileWriter(name, dtype, shape, folder: folder)
        try writer.append(bytes)
        return try writer.finish()
    }
}
