import Datasets

/// Aggregates of each sample's whole visible history — every event of its sequence key at or
/// before its cutoff (`SampleEvents.histories`), not only the `max_length` window the encoder
/// sees: a user's habits are in the long history, and trees read it cheaply. Nothing after the
/// cutoff is read; the only cross-sample choice — which event types get a column — is made from
/// training samples' histories. Event float columns and item statistics: `PopulationAggregates`.
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
        for i in 0..<n where training[i] { for r in h.historyRows(i) where typeIDs[Int(r)] >= 0 { seenInTraining[Int(typeIDs[Int(r)])] = true } }
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

        var scratch: [Int32] = [], values: [Double] = []
        for i in 0..<n {
            let rows = h.historyRows(i)
            historyLength[i] = Double(rows.count)
            for r in rows { let t = typeIDs[Int(r)]; if t >= 0, slotOfType[Int(t)] >= 0 { typeCounts[slotOfType[Int(t)]][i] += 1 } }
            if let sessionIDs { sessions[i] = Double(distinctCount(rows, sessionIDs, &scratch)) }

            values.removeAll(keepingCapacity: true)
            var previous = Double.nan
            for r in rows {
                let t = timestamps[Int(r)]
                if !previous.isNaN { values.append(t - previous) }
                previous = t
            }
            gaps.set(i, &values)

            var itemEvents = 0
            for r in rows where itemIDs[Int(r)] >= 0 { itemEvents += 1 }
            distinctItems[i] = Double(distinctCount(rows, itemIDs, &scratch))
            if itemEvents > 0 { repeatRatio[i] = 1 - distinctItems[i] / Double(itemEvents) }
            if let categoryIDs { distinctCategories[i] = Double(distinctCount(rows, categoryIDs, &scratch)) }
            for k in extraIDs.indices { distinctExtra[k][i] = Double(distinctCount(rows, extraIDs[k], &scratch)) }
            if let first = rows.first, let last = rows.last {
                lastHour[i] = Double(SequenceFeatures.hourIndex(timestamps[Int(last)]) - 1)
                span[i] = timestamps[Int(last)] - timestamps[Int(first)]
            }
        }

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

    /// Distinct non-missing ids among the events `rows`.
    static func distinctCount(_ rows: ArraySlice<Int32>, _ ids: [Int32], _ scratch: inout [Int32]) -> Int {
        scratch.removeAll(keepingCapacity: true)
        for r in rows where ids[Int(r)] >= 0 { scratch.append(ids[Int(r)]) }
        scratch.sort()
        var count = 0
        for k in scratch.indices where k == 0 || scratch[k] != scratch[k - 1] { count += 1 }
        return count
    }
}
