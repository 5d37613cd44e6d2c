extension PreparedDataset {
    /// Builds the per-event index arrays. Vocabularies count the events inside training
    /// samples' histories only; the gap is measured to the previous event of the same history.
    static func encodeSequences(raw: RawDataset, index: EventIndex, keys: [Int32], histories: [Range<Int>], training: [Bool],
                                itemRowOfEventItem: [Int32]?, options: DataOptions) throws(DatasetError) -> SequenceFeatures {
        let events = raw.events
        let n = histories.count, length = options.maxLength
        let timestamps = index.timestamps

        // Token sources: (name, raw ids per event row, interner).
        var sources: [(name: String, ids: [Int32], tokens: TokenInterner, hashed: Bool)] = []
        func add(_ name: String, column: Column, hashed: Bool = false) { sources.append((name, column.tokenIDs!, column.tokens, hashed)) }
        add("event_type", column: try events.require("event_type", type: .token))
        add("item_id", column: try events.require("item_id", type: .token), hashed: options.itemHashBuckets != nil)
        if let c = events.column("category_id"), c.spec.type == .token {
            add("category_id", column: c)
        } else if let items = raw.items, let c = items.column("category_id"), c.spec.type == .token, let rows = itemRowOfEventItem {
            // The item's category, joined through items.csv.
            let itemIDs = events.column("item_id")!.tokenIDs!
            let ids = itemIDs.map { $0 >= 0 && rows[Int($0)] >= 0 ? c.tokenIDs![Int(rows[Int($0)])] : -1 }
            sources.append(("category_id", ids, c.tokens, false))
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

        // Vocabularies from training histories.
        var fields: [SequenceFeatures.TokenField] = []
        for source in sources {
            let size: Int
            var map: (Int32) -> Int32
            if source.hashed, let buckets = options.itemHashBuckets {
                size = buckets + Vocabulary.reserved
                let hashes = (0..<source.tokens.count).map { raw -> Int32 in
                    var s = source.tokens.string(Int32(raw))
                    let h = s.withUTF8 { TokenInterner.hash($0) }
                    return Int32(h % UInt64(buckets)) + Int32(Vocabulary.reserved)
                }
                map = { $0 < 0 ? Vocabulary.missing : hashes[Int($0)] }
            } else {
                var counts = [Int](repeating: 0, count: source.tokens.count)
                for i in 0..<n where training[i] {
                    for p in histories[i] { let r = source.ids[Int(index.order[p])]; if r >= 0 { counts[Int(r)] += 1 } }
                }
                let vocabulary = Vocabulary(counts: counts, interner: source.tokens, minFrequency: options.minFrequency)
                size = vocabulary.size
                map = { vocabulary.index(ofRaw: $0) }
            }
            var values = [Int32](repeating: Vocabulary.padding, count: n * length)
            for i in 0..<n {
                for (k, p) in histories[i].enumerated() { values[i * length + k] = map(source.ids[Int(index.order[p])]) }
            }
            fields.append(.init(name: source.name, size: size, values: values))
        }

        // Time features.
        var gaps = [Int32](repeating: 0, count: n * length), hours = [Int32](repeating: 0, count: n * length)
        var lengths = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let h = histories[i]
            lengths[i] = Int32(h.count)
            // The gap to the event before the window, if the window was truncated: still past, no leak.
            var previous: Double? = h.lowerBound > index.all(key: keys[i]).lowerBound ? timestamps[Int(index.order[h.lowerBound - 1])] : nil
            for (k, p) in h.enumerated() {
                let t = timestamps[Int(index.order[p])]
                gaps[i * length + k] = SequenceFeatures.gapBucket(previous.map { t - $0 }, buckets: options.gapBuckets)
                hours[i * length + k] = SequenceFeatures.hourIndex(t)
                previous = t
            }
        }
        fields.append(.init(name: "gap", size: options.gapBuckets, values: gaps))
        fields.append(.init(name: "hour", size: 25, values: hours))

        // Extra float features, standardised on training events.
        var floats = [Float](repeating: 0, count: n * length * options.eventFloatColumns.count)
        let width = options.eventFloatColumns.count
        for (f, name) in options.eventFloatColumns.enumerated() {
            guard let c = events.column(name), let values = c.floatValues else {
                throw .missingColumn(file: events.file, column: name, hint: "It is listed in the config's event float columns and must be :float.")
            }
            var trainingValues: [Double] = []
            for i in 0..<n where training[i] { for p in histories[i] { trainingValues.append(values[Int(index.order[p])]) } }
            let standardize = Standardizer(values: trainingValues)
            for i in 0..<n {
                for (k, p) in histories[i].enumerated() { floats[(i * length + k) * width + f] = standardize(values[Int(index.order[p])]) }
            }
        }
        return SequenceFeatures(maxLength: length, lengths: lengths, tokenFields: fields,
                                floatNames: options.eventFloatColumns, floats: floats)
    }
}
