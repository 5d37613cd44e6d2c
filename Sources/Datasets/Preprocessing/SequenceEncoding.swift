import Tensor

extension PreparedDataset {
    /// Builds the per-event index arrays. Vocabularies count the events inside training
    /// samples' histories only (or are `fitted`'s); the gap is measured to the previous event of
    /// the same history. Returns what was fitted (or given) beside the features.
    static func encodeSequences(raw: RawDataset, index: EventIndex, keys: [Int32], histories: [Range<Int>], training: [Bool],
                                itemRowOfEventItem: [Int32]?, itemJoin: ItemColumnJoin?, options: DataOptions,
                                fitted: FittedSequence? = nil, population fittedStatistics: PopulationStatistics? = nil,
                                vocabularies cache: FittedVocabularies? = nil, seenCounts: [Double]? = nil) throws(DatasetError) -> (SequenceFeatures, FittedSequence) {
        let events = raw.events
        let n = histories.count, length = options.maxLength

        // Token sources: (name, raw ids per event row, interner).
        // `through`, for items.csv columns: raw item id → the column's raw id; `ids` are then item ids.
        var sources: [(name: String, ids: [Int32], through: [Int32]?, tokens: TokenInterner, hashed: Bool)] = []
        func add(_ name: String, column: Column, hashed: Bool = false) { sources.append((name, column.tokenIDs!, nil, column.tokens, hashed)) }
        add("event_type", column: try events.require("event_type", type: .token))
        add("item_id", column: try events.require("item_id", type: .token), hashed: options.itemHashBuckets != nil)
        // The category field keeps its name whatever column it comes from (`data.item_category_column`).
        let category = options.itemCategoryColumn
        if let c = events.column(category), c.spec.type == .token {
            add("category_id", column: c)
        } else if let items = raw.items, let c = items.column(category), c.spec.type == .token, let rows = itemRowOfEventItem {
            // The item's category, joined through items.csv.
            let categoryIDs = c.tokenIDs!
            sources.append(("category_id", events.column("item_id")!.tokenIDs!, rows.map { $0 >= 0 ? categoryIDs[Int($0)] : -1 }, c.tokens, false))
        }
        for name in options.eventTokenColumns {
            guard let c = events.column(name) else {
                throw .missingColumn(file: events.file, column: name, hint: "It is listed in the config's event token columns.")
            }
            guard c.spec.type == .token else {
                throw .invalid(file: events.file, message: "column \"\(name)\" is :\(c.spec.type.rawValue); event token columns must be :token")
            }
            add(name, column: c)
        }
        // items.csv token columns through each event's item (`data.event_item_columns`).
        for c in itemJoin?.tokenColumns ?? [] {
            let name = ItemColumnJoin.fieldName(c.name)
            guard !sources.contains(where: { $0.name == name }) else {
                throw .invalid(file: events.file, message: "event token column \"\(name)\" has the name of the joined \(raw.items!.file) column \(c.name); rename it or leave \(c.name) out of data.event_item_columns")
            }
            sources.append((name, itemJoin!.itemIDs, itemJoin!.tokenIDsOfItems(c), c.tokens, false))
        }

        if let fitted, let missing = sources.first(where: { !$0.hashed && fitted.vocabularies[$0.name] == nil }) {
            throw .invalid(file: events.file, message: "the sequence field \"\(missing.name)\" was not part of the trained run's inputs; "
                           + "the dataset must have the columns the run was trained with")
        }
        // Vocabularies from training histories, one token field per task, and the time features
        // beside them: the tasks share nothing but read-only inputs.
        var encoded = [SequenceFeatures.TokenField?](repeating: nil, count: sources.count)
        var time: (gaps: [Int32], hours: [Int32], lengths: [Int32]) = ([], [], [])
        encoded.withUnsafeMutableBufferPointer { out in
            withUnsafeMutablePointer(to: &time) { timeOut in
                let results = UncheckedSendable((out, timeOut))
                parallelChunks(sources.count + 1, minimumPerThread: 1) { start, end in
                    for task in start..<end {
                        if task == sources.count {
                            results.value.1.pointee = timeFeatures(index: index, keys: keys, histories: histories, length: length, gapBuckets: options.gapBuckets)
                        } else {
                            let s = sources[task]
                            results.value.0[task] = encodeTokens(name: s.name, ids: s.ids, through: s.through, tokens: s.tokens, hashed: s.hashed, index: index,
                                                                 histories: histories, training: training, options: options,
                                                                 fitted: fitted.map { $0.vocabularies[s.name] ?? [] }, cache: cache)
                        }
                    }
                }
            }
        }
        var fields = encoded.map { $0! }
        var vocabularies: [String: [String]] = [:]
        for (source, field) in zip(sources, fields) where !source.hashed { vocabularies[source.name] = field.tokens }
        let (gaps, hours, lengths) = time
        fields.append(.init(name: "gap", size: options.gapBuckets, values: gaps))
        fields.append(.init(name: "hour", size: 25, values: hours, tokens: ["<pad>"] + (0..<24).map { ($0 < 10 ? "0" : "") + "\($0):00 UTC" }))

        // Extra float features, standardised on training events: events.csv columns, then the
        // joined items.csv ones.
        let itemFloats = itemJoin?.floatColumns ?? []
        let population = options.populationFeatures && events.hasColumn("item_id")
            ? PopulationFeatures.names(eventFloatColumns: options.eventFloatColumns) : []
        let floatNames = options.eventFloatColumns + itemFloats.map { ItemColumnJoin.fieldName($0.name) } + population
        let width = floatNames.count
        var floats = [Float](repeating: 0, count: n * length * width)
        var standardizers = [Standardizer?](repeating: nil, count: width)
        var missing = [UInt8](repeating: 0, count: n * length * width)
        for (f, name) in options.eventFloatColumns.enumerated() {
            guard let c = events.column(name), let values = c.floatValues else {
                throw .missingColumn(file: events.file, column: name, hint: "It is listed in the config's event float columns and must be :float.")
            }
            let standardize: Standardizer
            if let fitted {
                standardize = try fitted.standardizer(name, file: events.file)
            } else {
                var trainingValues: [Double] = []
                for i in 0..<n where training[i] { for p in histories[i] { trainingValues.append(values[Int(index.order[p])]) } }
                standardize = Standardizer(values: trainingValues)
            }
            standardizers[f] = standardize
            for i in 0..<n {
                for (k, p) in histories[i].enumerated() {
                    let v = values[Int(index.order[p])]
                    floats[(i * length + k) * width + f] = standardize(v)
                    if !v.isFinite { missing[(i * length + k) * width + f] = 1 }
                }
            }
        }
        var floatStandardizers: [String: Standardizer] = [:]
        for (f, name) in options.eventFloatColumns.enumerated() { floatStandardizers[name] = standardizers[f] }
        for (k, c) in itemFloats.enumerated() {
            let name = ItemColumnJoin.fieldName(c.name)
            var given: Standardizer?
            if let fitted { given = try fitted.standardizer(name, file: raw.items!.file) }
            floatStandardizers[name] = itemJoin!.writeStandardized(c, feature: options.eventFloatColumns.count + k, width: width, length: length, order: index.order,
                                                                   histories: histories, training: training, into: &floats,
                                                                   fitted: given)
            itemJoin!.markMissing(c, feature: options.eventFloatColumns.count + k, width: width, length: length, order: index.order,
                                  histories: histories, into: &missing)
        }
        var fittedPopulation = fitted?.population
        if !population.isEmpty {
            let (statistics, logCount, seen): (PopulationStatistics, Standardizer?, [Double]?)
            if let fit = fitted?.population {
                (statistics, logCount, seen) = (fittedStatistics ?? PopulationStatistics(fitted: fit, events: events, sequenceKey: raw.sequenceKey),
                                                fit.logCount, seenCounts ?? fit.count.filter { $0 > 0 }.sorted())
            } else {
                (statistics, logCount, seen) = (PopulationStatistics(events: events, floatColumns: options.eventFloatColumns, order: index.order, ranges: histories,
                                                                     training: training), nil, nil)
            }
            let usedLogCount = PopulationFeatures.write(statistics: statistics, logCount: logCount, seen: seen, order: index.order, histories: histories,
                                                        length: length, width: width, first: width - population.count, into: &floats)
            if fitted == nil { fittedPopulation = statistics.fitted(events: events, sequenceKey: raw.sequenceKey, logCount: usedLogCount) }
        }
        let (edges, ranges) = fitted.map { ($0.floatEdges, $0.bucketRanges) }
            ?? SequenceFeatures.bucketEdges(floats: floats, missing: missing, lengths: lengths, training: training, length: length, width: width)
        let features = SequenceFeatures(maxLength: length, lengths: lengths, tokenFields: fields, floatNames: floatNames, floats: floats,
                                        floatEdges: edges, floatBucketRanges: ranges, floatStandardizers: standardizers,
                                        floatMissing: missing.contains(1) ? missing : [])
        let fit = fitted ?? FittedSequence(vocabularies: vocabularies, floatStandardizers: floatStandardizers, population: fittedPopulation,
                                           floatEdges: edges, floatBucketRanges: ranges.map { $0.map { [$0.lowerBound, $0.upperBound] } })
        return (features, fit)
    }

    /// One token field: its vocabulary (or hash buckets) and its `[samples × length]` indices.
    /// With `through`, event row e's raw token is `through[ids[e]]`: counts and the index table are
    /// taken per distinct id and composed, so no per-event array is built.
    static func encodeTokens(name: String, ids: [Int32], through: [Int32]? = nil, tokens: TokenInterner, hashed: Bool, index: EventIndex,
                             histories: [Range<Int>], training: [Bool], options: DataOptions, fitted: [String]? = nil,
                             cache: FittedVocabularies? = nil) -> SequenceFeatures.TokenField {
        // Raw id → embedding index, so each event costs one table lookup.
        let size: Int, table: [Int32]
        var names: [String]?
        if hashed, let buckets = options.itemHashBuckets {
            size = buckets + Vocabulary.reserved
            table = (0..<tokens.count).map { raw -> Int32 in
                var s = tokens.string(Int32(raw))
                let h = s.withUTF8 { TokenInterner.hash($0) }
                return Int32(h % UInt64(buckets)) + Int32(Vocabulary.reserved)
            }
        } else {
            let vocabulary: Vocabulary
            if let fitted {
                vocabulary = cache.vocabulary("sequence/" + name, tokens: fitted, interner: tokens)
            } else {
                var counts = countTokens(ids: ids, order: index.order, histories: histories, training: training, tokenCount: through?.count ?? tokens.count)
                if let through {
                    var direct = [Int](repeating: 0, count: tokens.count)
                    for (key, raw) in through.enumerated() where raw >= 0 { direct[Int(raw)] += counts[key] }
                    counts = direct
                }
                vocabulary = Vocabulary(counts: counts, interner: tokens, minFrequency: options.minFrequency)
            }
            size = vocabulary.size
            table = through.map { $0.map { $0 >= 0 ? vocabulary.indexOfRaw[Int($0)] : Vocabulary.missing } } ?? vocabulary.indexOfRaw
            names = vocabulary.tokens
        }
        return .init(name: name, size: size, values: gatherTokens(ids: ids, order: index.order, histories: histories, table: table, length: options.maxLength),
                     tokens: names)
    }

    /// Gap bucket and hour of every event of every window, and the window lengths.
    static func timeFeatures(index: EventIndex, keys: [Int32], histories: [Range<Int>], length: Int,
                             gapBuckets: Int) -> (gaps: [Int32], hours: [Int32], lengths: [Int32]) {
        let n = histories.count
        var gaps = [Int32](repeating: 0, count: n * length), hours = [Int32](repeating: 0, count: n * length)
        var lengths = [Int32](repeating: 0, count: n)
        index.timestamps.withUnsafeBufferPointer { t in
            index.order.withUnsafeBufferPointer { order in
                for i in 0..<n {
                    let h = histories[i]
                    lengths[i] = Int32(h.count)
                    // The gap to the event before the window, if the window was truncated: still past, no leak.
                    var previous: Double? = h.lowerBound > index.all(key: keys[i]).lowerBound ? t[Int(order[h.lowerBound - 1])] : nil
                    var k = i * length
                    for p in h {
                        let time = t[Int(order[p])]
                        gaps[k] = SequenceFeatures.gapBucket(previous.map { time - $0 }, buckets: gapBuckets)
                        hours[k] = SequenceFeatures.hourIndex(time)
                        previous = time
                        k += 1
                    }
                }
            }
        }
        return (gaps, hours, lengths)
    }

    /// How often each raw token occurs in the training samples' histories.
    static func countTokens(ids: [Int32], order: [Int32], histories: [Range<Int>], training: [Bool], tokenCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: tokenCount)
        counts.withUnsafeMutableBufferPointer { c in
            ids.withUnsafeBufferPointer { ids in
                order.withUnsafeBufferPointer { order in
                    for (i, h) in histories.enumerated() where training[i] {
                        for p in h { let r = ids[Int(order[p])]; if r >= 0 { c[Int(r)] += 1 } }
                    }
                }
            }
        }
        return counts
    }

    /// `[samples × length]`, right-padded: the k-th event p of history i becomes
    /// `table[ids[order[p]]]`, a missing token `Vocabulary.missing`.
    static func gatherTokens(ids: [Int32], order: [Int32], histories: [Range<Int>], table: [Int32], length: Int) -> [Int32] {
        var values = [Int32](repeating: Vocabulary.padding, count: histories.count * length)
        values.withUnsafeMutableBufferPointer { out in
            ids.withUnsafeBufferPointer { ids in
                order.withUnsafeBufferPointer { order in
                    table.withUnsafeBufferPointer { table in
                        for (i, h) in histories.enumerated() {
                            var k = i * length
                            for p in h {
                                let r = ids[Int(order[p])]
                                out[k] = r < 0 ? Vocabulary.missing : table[Int(r)]
                                k += 1
                            }
                        }
                    }
                }
            }
        }
        return values
    }
}
