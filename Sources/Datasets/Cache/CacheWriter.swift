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
        var columns: [CacheColumn] = []
        func add<T>(_ name: String, _ dtype: CacheDType, _ shape: [Int], _ values: [T]) throws(CacheError) {
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
        try addStrings("sample_id", d.sampleIDs)
        try addStrings("anomaly_type", d.anomalyTypes)
        try addStrings("target_item", d.targetItems)
        try add("label", .float32, [n], d.labels)
        try add("anomaly_class", .int32, [n], d.anomalyClasses)
        try add("role", .int8, [n], d.roles.map(\.rawValue))
        try add("sequence.length", .int32, [n], d.sequence.lengths)
        for field in d.sequence.tokenFields { try add("sequence.tokens." + field.name, .int32, [n, length], field.values) }
        try add("sequence.floats", .float32, [n, length, floatWidth], d.sequence.floats)
        if !d.sequence.floatMissing.isEmpty { try add("sequence.float_missing", .uint8, [n, length, floatWidth], d.sequence.floatMissing) }
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
                                     shapedBy: shapedBy, columns: columns, facts: PreparedFacts(d, images: imageFacts))
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try DurableFile.write(String(decoding: try encoder.encode(manifest), as: UTF8.self) + "\n",
                                  to: (staging as NSString).appendingPathComponent(CacheManifest.fileName))
            if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
            try fm.moveItem(atPath: staging, toPath: path)
        } catch {
            throw .write(path: path, reason: "\(error)")
        }
    }

    /// Writes `bytes` straight from the caller's array (no copy: the arrays are the dataset's
    /// largest) in chunks, with a checksum per block.
    static func writeColumn(_ name: String, _ dtype: CacheDType, _ shape: [Int], _ bytes: UnsafeRawBufferPointer, into folder: String) throws(CacheError) -> CacheColumn {
        let file = "columns/" + name.map { $0 == "/" ? "_" : $0 }.map(String.init).joined() + ".bin"
        let path = (folder as NSString).appendingPathComponent(file)
        var checksums: [UInt32] = []
        for start in stride(from: 0, to: bytes.count, by: blockBytes) {
            checksums.append(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[start..<min(start + blockBytes, bytes.count)])))
        }
        do {
            let stream = try DurableFile.Stream(path: path)
            try stream.writing { handle in
                for start in stride(from: 0, to: bytes.count, by: 64 * blockBytes) {
                    let chunk = UnsafeRawBufferPointer(rebasing: bytes[start..<min(start + 64 * blockBytes, bytes.count)])
                    try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: chunk.baseAddress!), count: chunk.count, deallocator: .none))
                }
            }
            try stream.commit()
        } catch {
            throw .write(path: path, reason: error.reason)
        }
        return CacheColumn(name: name, dtype: dtype, shape: shape, file: file, bytes: bytes.count, blockBytes: blockBytes, checksums: checksums)
    }
}
