import Foundation
import Support
import Tensor

/// What was written, also saved as meta.json.
public struct ShopSummary: Sendable, Codable, Equatable {
    public struct Options: Sendable, Codable, Equatable {
        public var preset: String
        public var seed: UInt64
        public var users: Int
        public var items: Int
        public var sellers: Int
        public var anomalyRate: Double
        public var anomalyTypes: [String]
        public var imageSize: Int
        public var sharedImageVariants: Int?
        public var historyScale: Double

        /// The options `config` writes.
        public init(_ config: ShopConfig) {
            preset = config.preset.rawValue
            seed = config.seed
            users = config.userCount
            items = config.itemCount
            sellers = config.sellerCount
            anomalyRate = config.anomalyRate
            anomalyTypes = config.anomalyTypes.map(\.rawValue)
            imageSize = config.imageSize
            sharedImageVariants = config.sharedImageVariants
            historyScale = config.historyScale
        }

        /// Each option that differs from `wanted`'s, as "name here (wanted: value)".
        func differences(from wanted: Options) -> [String] {
            func entry<T: Equatable>(_ name: String, _ here: T, _ there: T) -> String? { here == there ? nil : "\(name) \(here) (the config's: \(there))" }
            return [entry("users", users, wanted.users), entry("items", items, wanted.items), entry("sellers", sellers, wanted.sellers),
                    entry("anomaly rate", anomalyRate, wanted.anomalyRate),
                    entry("anomaly types", anomalyTypes.joined(separator: ","), wanted.anomalyTypes.joined(separator: ",")),
                    entry("image size", imageSize, wanted.imageSize),
                    entry("shared image variants", sharedImageVariants.map(String.init) ?? "none", wanted.sharedImageVariants.map(String.init) ?? "none"),
                    entry("history scale", historyScale, wanted.historyScale)].compactMap { $0 }
        }
    }
    public static let generatorName = "fusionlab synthetic shop"
    public var generator = ShopSummary.generatorName
    /// `SyntheticShop.formatVersion` of the generator that wrote the folder.
    public var formatVersion = SyntheticShop.formatVersion
    public var options: Options
    public var samples = 0
    public var events = 0
    public var items = 0
    public var images = 0
    /// Samples per anomaly type, and `normal`.
    public var samplesPerType: [String: Int] = [:]
}

extension SyntheticShop {
    /// Writes the dataset into `folder` (created if needed): events.csv, users.csv, items.csv,
    /// labels.csv, images/, meta.json and README.md, each file under a temporary name renamed
    /// into place when complete. An existing non-empty folder is refused unless `overwrite`.
    @discardableResult
    public func write(to folder: String, overwrite: Bool = false) throws(ShopWriteError) -> ShopSummary {
        try prepareFolder(folder, overwrite: overwrite)
        let path = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        var summary = ShopSummary(options: .init(config))
        let tables = ShopTables(world: world)

        // Pictures and items.
        let plan = PicturePlan(world: world, config: config)
        try writePictures(plan, into: path("images"))
        try writeAtomically(tables.itemsCSV(world: world, pictures: plan), to: path("items.csv"))
        summary.items = world.items.count
        summary.images = plan.pictures.count

        // Users, simulated in parallel chunks and written in order; events streamed to disk.
        let events = try openStream(path("events.csv"))
        try append(Array(ShopTables.eventsHeader.utf8), to: events)
        var users = CSVBuffer(capacity: 110 * config.userCount + 512)
        var labels = CSVBuffer(capacity: 60 * config.userCount + 256)
        users.raw(Array(ShopTables.usersHeader.utf8))
        labels.raw(Array(ShopTables.labelsHeader.utf8))
        let chunkSize = 512, chunkCount = (config.userCount + chunkSize - 1) / chunkSize
        let chunksPerBatch = 4 * max(1, ComputeThreads.count)
        for batchStart in stride(from: 0, to: chunkCount, by: chunksPerBatch) {
            let batch = min(chunksPerBatch, chunkCount - batchStart)
            var outputs = [ChunkOutput?](repeating: nil, count: batch)
            outputs.withUnsafeMutableBufferPointer { slots in
                parallelChunks(batch, minimumPerThread: 1) { start, end in
                    for k in start..<end {
                        let first = (batchStart + k) * chunkSize
                        slots[k] = simulateChunk(first..<min(first + chunkSize, config.userCount), tables: tables)
                    }
                }
            }
            for output in outputs {
                let output = output!
                try append(output.events, to: events)
                users.raw(output.users)
                labels.raw(output.labels)
                summary.events += output.eventCount
            }
        }
        try commit(events)
        try writeAtomically(users.bytes, to: path("users.csv"))
        try writeAtomically(labels.bytes, to: path("labels.csv"))

        summary.samples = config.userCount
        summary.samplesPerType["normal"] = roles.filter { $0 == nil }.count
        for (type, count) in config.anomalyCounts { summary.samplesPerType[type.rawValue] = count }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json: [UInt8] = ((try? encoder.encode(summary)).map { [UInt8]($0) } ?? []) + [0x0A]
        try writeAtomically(json, to: path("meta.json"))
        try writeAtomically(Array(readme(summary).utf8), to: path("README.md"))
        return summary
    }

    private struct ChunkOutput {
        var events: [UInt8], users: [UInt8], labels: [UInt8]
        var eventCount: Int
    }

    private func simulateChunk(_ range: Range<Int>, tables: ShopTables) -> ChunkOutput {
        var events = CSVBuffer(capacity: range.count * 64 * 48)
        var users = CSVBuffer(capacity: range.count * 110), labels = CSVBuffer(capacity: range.count * 60)
        var count = 0
        for i in range {
            let u = user(i)
            tables.appendEvents(of: i, u.events, to: &events)
            tables.appendUser(i, u, to: &users)
            tables.appendLabel(i, u, to: &labels)
            count += u.events.count
        }
        return ChunkOutput(events: events.bytes, users: users.bytes, labels: labels.bytes, eventCount: count)
    }

    private func prepareFolder(_ folder: String, overwrite: Bool) throws(ShopWriteError) {
        var isDirectory: ObjCBool = false
        let manager = FileManager.default
        if manager.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notAFolder(folder) }
            let contents = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
            if !contents.isEmpty && !overwrite { throw .folderNotEmpty(folder) }
        } else {
            do { try manager.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw .io(path: folder, reason: "cannot create the folder (\(error.localizedDescription))")
            }
        }
    }

    /// Renders and encodes the pictures in parallel, writes them (from one thread: parallel
    /// file creation in one directory only contends for its lock) into `<images>.partial/`, then
    /// swaps that folder in for `images/`.
    private func writePictures(_ plan: PicturePlan, into imagesFolder: String) throws(ShopWriteError) {
        let manager = FileManager.default
        let partial = imagesFolder + ".partial"
        try? manager.removeItem(atPath: partial)
        do { try manager.createDirectory(atPath: partial, withIntermediateDirectories: true) } catch {
            throw .io(path: partial, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let (world, seed, size) = (world, config.seed, config.imageSize)
        let batch = 4_096
        for batchStart in stride(from: 0, to: plan.pictures.count, by: batch) {
            let pictures = plan.pictures[batchStart..<min(batchStart + batch, plan.pictures.count)]
            var encoded = [Result<[UInt8], ShopWriteError>](repeating: .success([]), count: pictures.count)
            encoded.withUnsafeMutableBufferPointer { slots in
                parallelChunks(pictures.count, minimumPerThread: 64) { start, end in
                    for k in start..<end {
                        let picture = pictures[batchStart + k]
                        let pixels = plan.render(picture, world: world, seed: seed, size: size)
                        slots[k] = Result { () throws(ShopWriteError) in
                            try encodePicture(pixels, size: size, format: picture.format, path: picture.path)
                        }
                    }
                }
            }
            for (picture, bytes) in zip(pictures, encoded) {
                try writeFile(try bytes.get(), to: (partial as NSString).appendingPathComponent((picture.path as NSString).lastPathComponent))
            }
        }
        try? manager.removeItem(atPath: imagesFolder)
        guard rename(partial, imagesFolder) == 0 else {
            throw .io(path: imagesFolder, reason: "cannot rename from \(partial) (\(String(cString: strerror(errno))))")
        }
    }

    // The shop's files go through Support's atomic writer; its failures become the shop's I/O errors.

    private func writeAtomically(_ bytes: [UInt8], to path: String) throws(ShopWriteError) {
        do throws(DurableFile.WriteError) { try DurableFile.write(bytes, to: path) } catch { throw ShopWriteError(error) }
    }

    private func openStream(_ path: String) throws(ShopWriteError) -> DurableFile.Stream {
        do throws(DurableFile.WriteError) { return try DurableFile.Stream(path: path) } catch { throw ShopWriteError(error) }
    }

    private func append(_ bytes: [UInt8], to stream: DurableFile.Stream) throws(ShopWriteError) {
        do throws(DurableFile.WriteError) { try stream.write(bytes) } catch { throw ShopWriteError(error) }
    }

    private func commit(_ stream: DurableFile.Stream) throws(ShopWriteError) {
        do throws(DurableFile.WriteError) { try stream.commit() } catch { throw ShopWriteError(error) }
    }

    /// A plain write, for files inside a folder that is itself renamed into place.
    private func writeFile(_ bytes: [UInt8], to path: String) throws(ShopWriteError) {
        guard let file = fopen(path, "wb") else { throw .io(path: path, reason: "cannot create (\(String(cString: strerror(errno))))") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard fclose(file) == 0, written == bytes.count else {
            throw .io(path: path, reason: "write failed (\(String(cString: strerror(errno))))")
        }
    }

    private func readme(_ s: ShopSummary) -> String {
        let types = AnomalyType.allCases.map { "| `\($0.rawValue)` | \(s.samplesPerType[$0.rawValue] ?? 0) |" }.joined(separator: "\n")
        return """
        # FusionLab synthetic shop (`\(s.options.preset)`, seed \(s.options.seed))

        Generated by `fusionlab generate --preset \(s.options.preset) --seed \(s.options.seed) --anomaly-rate \(s.options.anomalyRate) \
        --types \(s.options.anomalyTypes.joined(separator: ",")) --image-size \(s.options.imageSize)`.
        The same command writes the same bytes. Format: docs/DATASETS.md; options and counts: meta.json.

        \(s.samples) samples (one per user: the user's history up to the end of their last session; the label
        and anomaly type describe that last session and its target item), \(s.events) events, \(s.items) items,
        \(s.images) product pictures (\(s.options.imageSize)×\(s.options.imageSize), half PNG, half JPEG).

        | anomaly type | samples |
        |---|---|
        | `normal` | \(s.samplesPerType["normal"] ?? 0) |
        \(types)

        """
    }
}
