import Datasets

/// Aggregates of each sample's whole visible history — every event of its sequence key at or
/// before its cutoff (`SampleEvents.histories`), not only the `max_length` window the encoder
/// sees: a user's habits are in the long history, and trees read it cheaply. Nothing after the
/// cutoff is read; the only cross-sample choice — which event types get a column — is made from
/// training samples' histories. Event float columns and item statistics: `PopulationAggregates`;
/// one pass per sequence key (`HistorySweep`), not one per sample.
enum HistoryAggregates {
    /// Event columns with features of their own (keys, time, type, item); the category column is
    /// added per dataset.
    static let dedicatedColumns: Set<String> = ["user_id", "session_id", "timestamp", "event_type", "item_id"]

    static func columns(events: AtomicTable, items: AtomicTable?, histories h: SampleEvents, training: [Bool],
                        categoryColumn: String = "category_id") throws(DatasetError) -> [FeatureColumn] {
        let n = h.histories.count
        let timestamps = h.index.timestamps
        let types = try events.require("event_type", type: .token)
        let typeIDs = types.tokenIDs!
        let itemIDs = try events.require("item_id", type: .token).tokenIDs!
        let categoryIDs = categoryPerEvent(events: events, items: items, column: categoryColumn)
        let sessionIDs = events.column("session_id").flatMap(\.tokenIDs)
        let extraTokens = events.columns.filter { $0.tokenIDs != nil && !dedicatedColumns.contains($0.name) && $0.name != categoryColumn }

        // Event types with a column: those in training histories, by name.
        var seenInTraining = [Bool](repeating: false, count: types.tokens.count)
        for (p, inside) in PopulationStatistics.covered(h.histories, selected: training, positions: h.index.order.count).enumerated() where inside {
            let t = typeIDs[Int(h.index.order[p])]
            if t >= 0 { seenInTraining[Int(t)] = true }
        }
        let typeColumns = (0..<types.tokens.count).filter { seenInTraining[$0] }
            .sorted { types.tokens.string(Int32($0)) < types.tokens.string(Int32($1)) }
        var slotOfType = [Int](repeating: -1, count: types.tokens.count)
        for (slot, raw) in typeColumns.enumerated() { slotOfType[raw] = slot }

        let missing = Double.nan
        var historyLength = [Double](repeating: 0, count: n)
        var typeCounts = [[Double]](repeating: [Double](repeating: 0, count: n), count: typeColumns.count)
        var sessions = [Double](repeating: missing, count: n)
        var gaps = SummaryColumns(prefix: "gap", count: n)
        var repeatRatio = [Double](repeating: missing, count: n), distinctItems = [Double](repeating: 0, count: n)
        var distinctCategories = [Double](repeating: 0, count: n)
        var distinctExtra = [[Double]](repeating: [Double](repeating: 0, count: n), count: extraTokens.count)
        var lastHour = [Double](repeating: missing, count: n), span = [Double](repeating: missing, count: n)
        let extraIDs = extraTokens.map { $0.tokenIDs! }

        // The running state of one key's history so far.
        var length = 0, itemEvents = 0, first = Double.nan, previous = Double.nan
        var running = [Double](repeating: 0, count: typeColumns.count), gap = RunningSummary()
        var sessionSet = DistinctCounter(ids: sessionIDs ?? []), itemSet = DistinctCounter(ids: itemIDs)
        var categorySet = DistinctCounter(ids: categoryIDs ?? []), extraSets = extraIDs.map { DistinctCounter(ids: $0) }
        HistorySweep.run(h, reset: {
            length = 0; itemEvents = 0; first = .nan; previous = .nan
            for k in running.indices { running[k] = 0 }
            gap.reset(); sessionSet.reset(); itemSet.reset(); categorySet.reset()
            for k in extraSets.indices { extraSets[k].reset() }
        }, add: { r in
            length += 1
            let t = typeIDs[r]
            if t >= 0, case let slot = slotOfType[Int(t)], slot >= 0 { running[slot] += 1 }
            let time = timestamps[r]
            if previous.isNaN { first = time } else { gap.add(time - previous) }
            previous = time
            if itemIDs[r] >= 0 { itemEvents += 1; itemSet.add(itemIDs[r]) }
            if let sessionIDs { sessionSet.add(sessionIDs[r]) }
            if let categoryIDs { categorySet.add(categoryIDs[r]) }
            for k in extraIDs.indices { extraSets[k].add(extraIDs[k][r]) }
        }, emit: { i in
            historyLength[i] = Double(length)
            for slot in running.indices { typeCounts[slot][i] = running[slot] }
            if sessionIDs != nil { sessions[i] = Double(sessionSet.distinct) }
            gaps.set(i, gap)
            distinctItems[i] = Double(itemSet.distinct)
            if itemEvents > 0 { repeatRatio[i] = 1 - distinctItems[i] / Double(itemEvents) }
            distinctCategories[i] = Double(categorySet.distinct)
            for k in extraSets.indices { distinctExtra[k][i] = Double(extraSets[k].distinct) }
            if length > 0 {
                lastHour[i] = Double(SequenceFeatures.hourIndex(previous) - 1)
                span[i] = previous - first
            }
        })

        var out = [FeatureColumn("history_length", numbers: historyLength)]
        for (slot, raw) in typeColumns.enumerated() {
            let name = types.tokens.string(Int32(raw))
            out.append(FeatureColumn("count_\(name)", numbers: typeCounts[slot]))
            out.append(FeatureColumn("frac_\(name)", numbers: zip(typeCounts[slot], historyLength).map { $1 > 0 ? $0 / $1 : missing }))
        }
        if sessionIDs != nil { out.append(FeatureColumn("sessions", numbers: sessions)) }
        out += gaps.columns
        out.append(FeatureColumn("repeat_ratio", numbers: repeatRatio))
        out.append(FeatureColumn("distinct_items", numbers: distinctItems))
        if categoryIDs != nil { out.append(FeatureColumn("distinct_categories", numbers: distinctCategories)) }
        for (k, c) in extraTokens.enumerated() { out.append(FeatureColumn("distinct_\(c.name)", numbers: distinctExtra[k])) }
        out.append(FeatureColumn("last_hour", numbers: lastHour))
        out.append(FeatureColumn("span_seconds", numbers: span))
        return out
    }

    /// The category of each event: events.csv's category column, else the item's in items.csv
    /// (as the sequence encoder takes it); nil when neither exists.
    static func categoryPerEvent(events: AtomicTable, items: AtomicTable?, column: String = "category_id") -> [Int32]? {
        if let c = events.column(column), let ids = c.tokenIDs { return ids }
        guard let items, let categories = items.column(column)?.tokenIDs, let eventItems = events.column("item_id") else { return nil }
        let rowOfRaw = PreparedDataset.joinRows(from: eventItems.tokens, to: items, idColumn: "item_id")
        return eventItems.tokenIDs!.map { $0 >= 0 && rowOfRaw[Int($0)] >= 0 ? categories[Int(rowOfRaw[Int($0)])] : -1 }
    }
}
