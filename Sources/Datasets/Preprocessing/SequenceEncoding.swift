import Tensor

extension PreparedDataset {
    /// Where a token field's raw ids come from: the events column `column`, through `through`
    /// (raw id of `column` → the field's raw id) for items.csv columns joined by each event's item.
    struct TokenSource {
        var name: String
        var column: String
        var through: [Int32]?
        var tokens: TokenInterner
        var hashed: Bool
    }

    /// The token fields of the sequence, in their order: event type, item, category, the
    /// configured events.csv token columns, then the joined items.csv ones.
    static func tokenSources(raw: RawDataset, itemRowOfEventItem: [Int32]?, itemJoin: ItemColumnJoin?, options: DataOptions,
                             fitted: FittedSequence?) throws(DatasetError) -> [TokenSource] {
        let events = raw.events
        var sources: [TokenSource] = []
        func add(_ name: String, column: Column, hashed: Bool = false) { sources.append(.init(name: name, column: column.name, through: nil, tokens: column.tokens, hashed: hashed)) }
        add("event_type", column: try events.require("event_type", type: .token))
        add("item_id", column: try events.require("item_id", type: .token), hashed: options.itemHashBuckets != nil)
        // The category field keeps its name whatever column it comes from (`data.item_category_column`).
        let category = options.itemCategoryColumn
        if let c = events.column(category), c.spec.type == .token {
            add("category_id", column: c)
        } else if let items = raw.items, let c = items.column(category), c.spec.type == .token, let rows = itemRowOfEventItem {
            // The item's category, joined through items.csv.
            let categoryIDs = c.tokenIDs!
            sources.append(.init(name: "category_id", column: "item_id", through: rows.map { $0 >= 0 ? categoryIDs[Int($0)] : -1 }, tokens: c.tokens, hashed: false))
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
            sources.append(.init(name: name, column: "item_id", through: itemJoin!.tokenIDsOfItems(c), tokens: c.tokens, hashed: false))
        }
        if let fitted, let missing = sources.first(where: { !$0.hashed && fitted.vocabularies[$0.name] == nil }) {
            throw .invalid(file: events.file, message: "the sequence field \"\(missing.name)\" was not part of the trained run's inputs; "
                           + "the dataset must have the columns the run was trained with")
        }
        return sources
    }

    /// Builds the per-event index arrays. Vocabularies count the events inside training
    /// samples' histories only (or are `fitted`'s); the gap is measured to the previous event of
    /// the same history. Returns what was fitted (or given) beside the features.
    static func encodeSequences(raw: RawDataset, index: EventIndex, keys: [Int32], histories: [Range<Int>], training: [Bool],
                                itemRowOfEventItem: [Int32]?, itemJoin: ItemColumnJoin?, options: DataOptions,
                                fitted: FittedSequence? = nil, population fittedStatistics: PopulationStatistics? = nil,
                                vocabularies cache: FittedVocabularies? = nil, seenCounts: [Double]? = nil) throws(DatasetError) -> (SequenceFeatures, FittedSequence) {
        let events = raw.events
        let n = histories.count, length = options.maxLength
        let sources = try tokenSources(raw: raw, itemRowOfEventItem: itemRowOfEventItem, itemJoin: itemJoin, options: options, fitted: fitted)
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
                            results.value.0[task] = encodeTokens(name: s.name, ids: events.column(s.column)!.tokenIDs!, through: s.through, tokens: s.tokens,
                                                                 hashed: s.hashed, index: index, histories: histories, training: training, options: options,
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
        fields += timeFields(gaps: gaps, hours: hours, options: options)

        var plan = try SequenceFloatPlan(raw: raw, itemJoin: itemJoin, options: options, order: index.order, histories: histories, training: training,
                                         fitted: fitted, population: fittedStatistics, seenCounts: seenCounts)
        if plan.populationStatistics != nil && fitted == nil { plan.fitPopulation(events: events, sequenceKey: raw.sequenceKey) }
        var floats = [Float](repeating: 0, count: n * length * plan.width)
        var missing = [UInt8](repeating: 0, count: n * length * plan.width)
        plan.write(order: index.order, histories: histories, into: &floats, missing: &missing)
        var edges: [[Float]], ranges: [[ClosedRange<Float>]]
        if let fitted {
            (edges, ranges) = (fitted.floatEdges, fitted.bucketRanges)
        } else {
            var sampler = BucketEdgeSampler(lengths: lengths, training: training, width: plan.width)
            sampler.add(floats: floats, missing: missing, lengths: lengths[...], training: training[...], length: length)
            (edges, ranges) = sampler.edges()
        }
        let features = SequenceFeatures(maxLength: length, lengths: lengths, tokenFields: fields, floatNames: plan.names, floats: floats,
                                        floatEdges: edges, floatBucketRanges: ranges, floatStandardizers: plan.standardizers,
                                        floatMissing: missing.contains(1) ? missing : [])
        return (features, fitted ?? plan.fitted(vocabularies: vocabularies, edges: edges, ranges: ranges))
    }

    /// The gap and hour fields beside the token fields.
    static func timeFields(gaps: [Int32], hours: [Int32], options: DataOptions) -> [SequenceFeatures.TokenField] {
        [.init(name: "gap", size: options.gapBuckets, values: gaps),
         .init(name: "hour", size: 25, values: hours, tokens: ["<pad>"] + (0..<24).map { ($0 < 10 ? "0" : "") + "\($0):00 UTC" })]
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
