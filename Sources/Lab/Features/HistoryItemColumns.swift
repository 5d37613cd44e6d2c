import Datasets

/// Aggregates of items.csv columns over the items of each sample's whole visible history (every
/// event of its key at or before its cutoff, each event's item row): for a float column
/// `history_item_<column>_{mean,std,min,median,max}`; for a token column
/// `history_item_<column>_distinct`, `history_item_<column>_last` (the value at the history's latest
/// item event that has one) and `history_item_<column>_top_share` (share of the history's item
/// events holding its most frequent value). Events without a known item, or whose item leaves the
/// column empty, are skipped; a history without any gives missing fields (distinct 0).
///
/// "Prices the user browsed", "brands seen", over the columns the run joins to events
/// (`data.event_item_columns`, resolved by the loader's rule). Every statistic is per sample, so
/// no cross-sample statistic (and no training-only rule) is involved.
enum HistoryItemColumns {
    /// The aggregates of `itemColumns` (names of float or token columns of `items`; others are
    /// skipped) over each sample's whole visible history.
    static func columns(events: AtomicTable, items: AtomicTable, histories h: SampleEvents, itemColumns: [String]) -> [FeatureColumn] {
        guard let eventItems = events.column("item_id"), let eventItemIDs = eventItems.tokenIDs else { return [] }
        // items.csv row of each event (−1: no item, or one items.csv lacks).
        let rowOfRaw = PreparedDataset.joinRows(from: eventItems.tokens, to: items, idColumn: "item_id")
        let itemRowOfEvent = eventItemIDs.map { $0 >= 0 ? rowOfRaw[Int($0)] : -1 }
        let n = h.histories.count
        var out: [FeatureColumn] = []
        var values: [Double] = [], ids: [Int32] = []
        for name in itemColumns {
            guard let column = items.column(name) else { continue }
            if let floats = column.floatValues {
                var summary = SummaryColumns(prefix: "history_item_" + name, count: n)
                for i in 0..<n {
                    values.removeAll(keepingCapacity: true)
                    for r in h.historyRows(i) {
                        let row = itemRowOfEvent[Int(r)]
                        if row >= 0, floats[Int(row)].isFinite { values.append(floats[Int(row)]) }
                    }
                    summary.set(i, &values)
                }
                out += summary.columns
            } else if let tokenIDs = column.tokenIDs {
                var distinct = [Double](repeating: 0, count: n), topShare = [Double](repeating: .nan, count: n)
                var last = [String](repeating: "", count: n)
                for i in 0..<n {
                    ids.removeAll(keepingCapacity: true)
                    for r in h.historyRows(i) {
                        let row = itemRowOfEvent[Int(r)]
                        if row >= 0, tokenIDs[Int(row)] >= 0 { ids.append(tokenIDs[Int(row)]) }
                    }
                    guard let lastID = ids.last else { continue }
                    last[i] = column.tokens.string(lastID)
                    ids.sort()
                    var runs = 0, longest = 0, run = 0
                    for k in ids.indices {
                        run = k > 0 && ids[k] == ids[k - 1] ? run + 1 : 1
                        if run == 1 { runs += 1 }
                        longest = Swift.max(longest, run)
                    }
                    distinct[i] = Double(runs)
                    topShare[i] = Double(longest) / Double(ids.count)
                }
                let prefix = "history_item_" + name
                out += [FeatureColumn(prefix + "_distinct", numbers: distinct), FeatureColumn(prefix + "_last", tokens: last),
                        FeatureColumn(prefix + "_top_share", numbers: topShare)]
            }
        }
        return out
    }
}
