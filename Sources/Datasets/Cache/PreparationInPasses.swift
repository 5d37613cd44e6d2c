import Foundation
import Tensor

extension PreparedDataset {
    /// The per-event sequence columns written while preparing in passes, and whether the
    /// dataset has missing per-event floats (`sequence.float_missing`).
    public struct WrittenSequence {
        var columns: [String: CacheColumn] = [:]
        var hasFloatMissing = false
    }

    /// `prepare` for a cache, of a dataset whose events were read into a spill
    /// (`RawDataset.load(spillingEventsTo:)`): the same split, vocabularies, statistics and
    /// values, made step by step so that memory holds a few events columns at a time (read back
    /// from the spill) and one chunk of samples' per-event features, never the table or the
    /// features of every sample. The per-event columns go to `staging` (a cache folder being
    /// built) as they are made; the dataset returned holds the per-sample arrays, its per-event
    /// ones empty. `CacheWriter.finish` completes the cache.
    public static func prepareInPasses(_ raw: consuming RawDataset, options: DataOptions, staging: String,
                                       chunkSamples: Int = 8192) throws -> (dataset: PreparedDataset, written: WrittenSequence) {
        precondition(raw.events.spilled != nil, "preparing in passes reads a spilled events table")
        // Interners of columns nothing reads (session ids, when samples are keyed by user) are dropped.
        raw.events = raw.events.droppingTokens(except: Set([raw.sequenceKey, "user_id", "item_id", "event_type", options.itemCategoryColumn]
                                                           + options.eventTokenColumns))
        // Between passes, the C heap's free pages go back to the system (the peak is the process's).
        BufferPool.returnFreeHeapPages()
        var written = WrittenSequence()
        let split = try anchorAndSplit(raw, options: options, staging: staging, chunkSamples: chunkSamples, written: &written)
        BufferPool.returnFreeHeapPages()
        let n = split.rows.count, length = options.maxLength
        let histories = split.anchors.histories, training = split.training

        // Checked before any float column is read, as preparing in memory does.
        let sources = try tokenSources(raw: raw, itemRowOfEventItem: split.itemRowOfEventItem, itemJoin: split.itemJoin, options: options, fitted: nil)
        let itemIDs = split.itemJoin?.itemIDs ?? raw.events.loading(["item_id"]).column("item_id")!.tokenIDs!
        let floats = try writeFloats(raw, itemIDs: itemIDs, split: split, options: options, staging: staging, chunkSamples: chunkSamples, written: &written)
        BufferPool.returnFreeHeapPages()

        // Token fields one at a time: each reads one events column.
        var fields: [SequenceFeatures.TokenField] = [], vocabularies: [String: [String]] = [:]
        for s in sources {
            let ids = s.column == "item_id" ? itemIDs : raw.events.loading([s.column]).column(s.column)!.tokenIDs!
            var field = encodeTokens(name: s.name, ids: ids, through: s.through, tokens: s.tokens, hashed: s.hashed, index: split.index,
                                     histories: histories, training: training, options: options)
            written.columns["sequence.tokens." + s.name] = try writeColumn(field.values, "sequence.tokens." + s.name, .int32, [n, length], into: staging)
            field.values = []
            if !s.hashed { vocabularies[s.name] = field.tokens }
            fields.append(field)
        }
        fields += split.timeFields
        let sequence = SequenceFeatures(maxLength: length, lengths: split.lengths, tokenFields: fields, floatNames: floats.names, floats: [],
                                        floatEdges: floats.edges, floatBucketRanges: floats.ranges, floatStandardizers: floats.standardizers, floatMissing: [])
        var fittedSequence = floats.fitted
        fittedSequence.vocabularies = vocabularies
        if fittedSequence.population != nil {
            fittedSequence.population!.countedEvents = countedEvents(raw, histories: histories, training: training, order: split.index.order,
                                                                     chunkRows: chunkSamples * 128)
        }
        let dataset = try assemble(raw: raw, options: options, anchors: split.anchors, rows: split.rows, roles: split.roles, training: training,
                                   strategy: split.strategy, sequence: sequence, fittedSequence: fittedSequence, fitted: nil, vocabularies: nil,
                                   sampleEvents: nil, report: split.report)
        return (dataset, written)
    }

    /// What the first pass learns: the samples' windows and split, the events' grouping (without
    /// timestamps), the gap and hour fields (written). The events columns it reads, but the item
    /// ids `itemJoin` keeps, are released when it returns.
    private struct AnchoredSplit {
        var rows: [Int]
        var anchors: PreparationContext.Anchors
        var roles: [SplitRole]
        var training: [Bool]
        var strategy: SplitStrategy
        var report: PreparationReport
        var index: EventIndex
        var itemRowOfEventItem: [Int32]?
        var itemJoin: ItemColumnJoin?
        var lengths: [Int32]
        var timeFields: [SequenceFeatures.TokenField]
    }

    private static func anchorAndSplit(_ raw: RawDataset, options: DataOptions, staging: String, chunkSamples: Int,
                                       written: inout WrittenSequence) throws -> AnchoredSplit {
        var joined = raw
        joined.events = raw.events.loading([raw.sequenceKey, "user_id", "item_id", "timestamp"])
        let context = try PreparationContext(raw: joined, options: options)
        let all = try context.anchorAndSplitAll()
        let (rows, anchors, roles, strategy) = (all.rows, all.anchors, all.roles, all.strategy)
        var report = all.report
        let training = roles.map { $0 == .train }
        let itemJoin = try ItemColumnJoin.resolve(raw: context.raw, itemRowOfEventItem: context.itemRowOfEventItem, options: options)
        if let note = itemJoin?.note(itemsFile: raw.items!.file) { report.notes.append(note) }

        // The gap and hour fields, chunk by chunk (they read the timestamps, released after this pass).
        let n = rows.count, length = options.maxLength
        let gapColumn = try ColumnFileWriter("sequence.tokens.gap", .int32, [n, length], folder: staging)
        let hourColumn = try ColumnFileWriter("sequence.tokens.hour", .int32, [n, length], folder: staging)
        var lengths: [Int32] = []
        lengths.reserveCapacity(n)
        for start in stride(from: 0, to: n, by: chunkSamples) {
            let end = min(n, start + chunkSamples)
            let (gaps, hours, chunkLengths) = timeFeatures(index: context.index, keys: Array(anchors.keyOfSample[start..<end]),
                                                           histories: Array(anchors.histories[start..<end]), length: length, gapBuckets: options.gapBuckets)
            try gapColumn.append(gaps)
            try hourColumn.append(hours)
            lengths += chunkLengths
        }
        written.columns["sequence.tokens.gap"] = try gapColumn.finish()
        written.columns["sequence.tokens.hour"] = try hourColumn.finish()
        return AnchoredSplit(rows: rows, anchors: anchors, roles: roles, training: training, strategy: strategy, report: report,
                             index: context.index.droppingTimestamps(), itemRowOfEventItem: context.itemRowOfEventItem, itemJoin: itemJoin,
                             lengths: lengths, timeFields: timeFields(gaps: [], hours: [], options: options))
    }

    /// What the float features leave beside their columns.
    private struct WrittenFloats {
        var names: [String]
        var standardizers: [Standardizer?]
        var edges: [[Float]]
        var ranges: [[ClosedRange<Float>]]
        var fitted: FittedSequence
    }

    /// Writes `sequence.floats` (and `sequence.float_missing`) chunk by chunk, from the float
    /// columns and the population statistics over them; they are released when it returns.
    private static func writeFloats(_ raw: RawDataset, itemIDs: [Int32], split: AnchoredSplit, options: DataOptions, staging: String,
                                    chunkSamples: Int, written: inout WrittenSequence) throws -> WrittenFloats {
        let n = split.rows.count, length = options.maxLength, order = split.index.order
        let histories = split.anchors.histories, training = split.training
        var floatsRaw = raw
        floatsRaw.events = raw.events.loading(options.eventFloatColumns).replacing("item_id", with: .tokens(itemIDs))
        var plan = try SequenceFloatPlan(raw: floatsRaw, itemJoin: split.itemJoin, options: options, order: order, histories: histories,
                                         training: training, fitted: nil, population: nil, seenCounts: nil)
        // The counted events' identities are taken last (`countedEvents`), when little else is held.
        plan.fitPopulation(events: floatsRaw.events, sequenceKey: raw.sequenceKey, countedEvents: "")
        let width = plan.width
        let floatsColumn = try ColumnFileWriter("sequence.floats", .float32, [n, length, width], folder: staging)
        let missingColumn = try ColumnFileWriter("sequence.float_missing", .uint8, [n, length, width], folder: staging)
        var sampler = BucketEdgeSampler(lengths: split.lengths, training: training, width: width)
        for start in stride(from: 0, to: n, by: chunkSamples) {
            let end = min(n, start + chunkSamples)
            var floats = [Float](repeating: 0, count: (end - start) * length * width), missing = [UInt8](repeating: 0, count: floats.count)
            plan.write(order: order, histories: Array(histories[start..<end]), into: &floats, missing: &missing)
            sampler.add(floats: floats, missing: missing, lengths: split.lengths[start..<end], training: training[start..<end], length: length)
            try floatsColumn.append(floats)
            try missingColumn.append(missing)
            written.hasFloatMissing = written.hasFloatMissing || missing.contains(1)
        }
        written.columns["sequence.floats"] = try floatsColumn.finish()
        let missingWritten = try missingColumn.finish()
        if written.hasFloatMissing {
            written.columns["sequence.float_missing"] = missingWritten
        } else {
            try? FileManager.default.removeItem(atPath: missingColumn.path)
        }
        let (edges, ranges) = sampler.edges()
        return WrittenFloats(names: plan.names, standardizers: plan.standardizers, edges: edges, ranges: ranges,
                             fitted: plan.fitted(vocabularies: [:], edges: edges, ranges: ranges))
    }

    private static func writeColumn<T>(_ values: [T], _ name: String, _ dtype: CacheDType, _ shape: [Int], into staging: String) throws(CacheError) -> CacheColumn {
        let writer = try ColumnFileWriter(name, dtype, shape, folder: staging)
        try writer.append(values)
        return try writer.finish()
    }

    /// `FittedPopulation.countedEvents` of the events inside training windows, read from the
    /// spill `chunkRows` rows at a time.
    private static func countedEvents(_ raw: RawDataset, histories: [Range<Int>], training: [Bool], order: [Int32], chunkRows: Int) -> String {
        var counted = [Bool](repeating: false, count: raw.events.rowCount)
        for (p, inside) in PopulationStatistics.covered(histories, selected: training, positions: order.count).enumerated() where inside {
            counted[Int(order[p])] = true
        }
        var hashes: [UInt64] = []
        for start in stride(from: 0, to: counted.count, by: chunkRows) {
            let rows = start..<min(counted.count, start + chunkRows)
            let events = raw.events.loading([raw.sequenceKey, "event_type", "item_id", "timestamp"], rows: rows)
            PopulationStatistics.appendCountedHashes(events: events, sequenceKey: raw.sequenceKey, counted: counted[rows],
                                                     itemOfRow: events.column("item_id")!.tokenIDs!, into: &hashes)
        }
        hashes.sort()
        return FittedPopulation.encode(hashes)
    }
}
