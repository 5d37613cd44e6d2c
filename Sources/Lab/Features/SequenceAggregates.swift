import Datasets

/// Aggregates of each sample's event window (the events the model sees: at or before the
/// cutoff, the most recent `max_length`), plus the history length before truncation. Nothing
/// after the cutoff is read; the only cross-sample choice — which event types get a column — is
/// made from training windows.
enum SequenceAggregates {
    /// Event columns that have features of their own (or are the sequence key).
    static let dedicatedColumns: Set<String> = ["user_id", "session_id", "timestamp", "event_type", "item_id", "category_id"]

    static func columns(events: AtomicTable, items: AtomicTable?, histories h: SampleEvents, training: [Bool],
                        categoryColumn: String = "category_id") throws(DatasetError) -> [FeatureColumn] {
        let n = h.windows.count
        let timestamps = h.index.timestamps
        let types = try events.require("event_type", type: .token)
        let typeIDs = types.tokenIDs!
        let itemIDs = try events.require("item_id", type: .token).tokenIDs!
        let categoryIDs = categoryPerEvent(events: events, items: items, column: categoryColumn)
        let sessionIDs = events.column("session_id").flatMap(\.tokenIDs)
        let extraTokens = events.columns.filter { $0.tokenIDs != nil && !dedicatedColumns.contains($0.name) && $0.name != categoryColumn }
        let extraFloats = events.columns.filter { $0.floatValues != nil && !dedicatedColumns.contains($0.name) }

        // Event types with a column: those in training windows, by name.
        var seenInTraining = [Bool](repeating: false, count: types.tokens.count)
        for i in 0..<n where training[i] { for r in h.rows(i) where typeIDs[Int(r)] >= 0 { seenInTraining[Int(typeIDs[Int(r)])] = true } }
        let typeColumns = (0..<types.tokens.count).filter { seenInTraining[$0] }
            .sorted { types.tokens.string(Int32($0)) < types.tokens.string(Int32($1)) }
        var slotOfType = [Int](repeating: -1, count: types.tokens.count)
        for (slot, raw) in typeColumns.enumerated() { slotOfType[raw] = slot }

        let missing = Double.nan
        var historyLength = [Double](repeating: 0, count: n), eventCount = [Double](repeating: 0, count: n)
        var typeCounts = [[Double]](repeating: [Double](repeating: 0, count: n), count: typeColumns.count)
        var sessions = [Double](repeating: missing, count: n)
        var gaps = SummaryColumns(prefix: "gap", count: n)
        var floatSummaries = extraFloats.map { SummaryColumns(prefix: $0.name, count: n) }
        var repeatRatio = [Double](repeating: missing, count: n), distinctItems = [Double](repeating: 0, count: n)
        var distinctCategories = [Double](repeating: 0, count: n)
        var distinctExtra = [[Double]](repeating: [Double](repeating: 0, count: n), count: extraTokens.count)
        var lastHour = [Double](repeating: missing, count: n), span = [Double](repeating: missing, count: n)

        var scratch: [Int32] = [], values: [Double] = []
        for i in 0..<n {
            let rows = h.rows(i)
            historyLength[i] = Double(h.historyLengths[i])
            eventCount[i] = Double(rows.count)
            for r in rows { let t = typeIDs[Int(r)]; if t >= 0, slotOfType[Int(t)] >= 0 { typeCounts[slotOfType[Int(t)]][i] += 1 } }
            if let sessionIDs { sessions[i] = Double(distinctCount(rows, sessionIDs, &scratch)) }

            values.removeAll(keepingCapacity: true)
            var previous: Double?
            for r in rows {
                let t = timestamps[Int(r)]
                if let previous { values.append(t - previous) }
                previous = t
            }
            gaps.set(i, &values)
            for (k, c) in extraFloats.enumerated() {
                let v = c.floatValues!
                values.removeAll(keepingCapacity: true)
                for r in rows where v[Int(r)].isFinite { values.append(v[Int(r)]) }
                floatSummaries[k].set(i, &values)
            }

            let itemEvents = rows.filter { itemIDs[Int($0)] >= 0 }.count
            distinctItems[i] = Double(distinctCount(rows, itemIDs, &scratch))
            if itemEvents > 0 { repeatRatio[i] = 1 - distinctItems[i] / Double(itemEvents) }
            if let categoryIDs { distinctCategories[i] = Double(distinctCount(rows, categoryIDs, &scratch)) }
            for (k, c) in extraTokens.enumerated() { distinctExtra[k][i] = Double(distinctCount(rows, c.tokenIDs!, &scratch)) }
            if let first = rows.first, let last = rows.last {
                lastHour[i] = Double(SequenceFeatures.hourIndex(timestamps[Int(last)]) - 1)
                span[i] = timestamps[Int(last)] - timestamps[Int(first)]
            }
        }

        var out = [FeatureColumn("history_length", numbers: historyLength), FeatureColumn("events", numbers: eventCount)]
        for (slot, raw) in typeColumns.enumerated() {
            let name = types.tokens.string(Int32(raw))
            out.append(FeatureColumn("count_\(name)", numbers: typeCounts[slot]))
            out.append(FeatureColumn("frac_\(name)", numbers: zip(typeCounts[slot], eventCount).map { $1 > 0 ? $0 / $1 : missing }))
        }
        if sessionIDs != nil { out.append(FeatureColumn("sessions", numbers: sessions)) }
        out += gaps.columns
        for s in floatSummaries { out += s.columns }
        out.append(FeatureColumn("repeat_ratio", numbers: repeatRatio))
        out.append(FeatureColumn("distinct_items", numbers: distinctItems))
        if categoryIDs != nil { out.append(FeatureColumn("distinct_categories", numbers: distinctCategories)) }
        for (k, c) in extraTokens.enumerated() { out.append(FeatureColumn("distinct_\(c.name)", numbers: distinctExtra[k])) }
        out.append(FeatureColumn("last_hour", numbers: lastHour))
        out.append(FeatureColumn("span_seconds", numbers: span))
        return out
    }

    /// The category of each event: events.csv's `category_id`, else the item's in items.csv
    /// (as the sequence encoder takes it); nil when neither exists.
    static func categoryPerEvent(events: AtomicTable, items: AtomicTable?, column: String = "category_id") -> [Int32]? {
        if let c = events.column(column), let ids = c.tokenIDs { return ids }
        guard let items, let categories = items.column(column)?.tokenIDs, let eventItems = events.column("item_id") else { return nil }
        let rowOfRaw = PreparedDataset.joinRows(from: eventItems.tokens, to: items, idColumn: "item_id")
        return eventItems.tokenIDs!.map { $0 >= 0 && rowOfRaw[Int($0)] >= 0 ? categories[Int(rowOfRaw[Int($0)])] : -1 }
    }

    /// Distinct non-missing ids among the window's events.
    static func distinctCount(_ rows: ArraySlice<Int32>, _ ids: [Int32], _ scratch: inout [Int32]) -> Int {
        scratch.removeAll(keepingCapacity: true)
        for r in rows where ids[Int(r)] >= 0 { scratch.append(ids[Int(r)]) }
        scratch.sort()
        var count = 0
        for k in scratch.indices where k == 0 || scratch[k] != scratch[k - 1] { count += 1 }
        return count
    }
}

/// Mean, population standard deviation, min, median and max of a per-sample list of values,
/// as five columns `<prefix>_mean` …; all missing when the list is empty.
struct SummaryColumns {
    let prefix: String
    var mean: [Double], std: [Double], min: [Double], median: [Double], max: [Double]

    init(prefix: String, count: Int) {
        self.prefix = prefix
        let empty = [Double](repeating: .nan, count: count)
        mean = empty; std = empty; min = empty; median = empty; max = empty
    }

    /// Summarises `values` (sorted in place) as sample `i`.
    mutating func set(_ i: Int, _ values: inout [Double]) {
        guard !values.isEmpty else { return }
        values.sort()
        let n = Double(values.count)
        let m = values.reduce(0, +) / n
        mean[i] = m
        std[i] = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
        min[i] = values[0]
        max[i] = values[values.count - 1]
        let mid = values.count / 2
        median[i] = values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
    }

    var columns: [FeatureColumn] {
        [FeatureColumn("\(prefix)_mean", numbers: mean), FeatureColumn("\(prefix)_std", numbers: std),
         FeatureColumn("\(prefix)_min", numbers: min), FeatureColumn("\(prefix)_median", numbers: median),
         FeatureColumn("\(prefix)_max", numbers: max)]
    }
}
