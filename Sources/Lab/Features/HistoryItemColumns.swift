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
/// no cross-sample statistic (and no training-only rule) is involved. One pass per sequence key
/// and column (`HistorySweep`).
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
        for name in itemColumns {
            guard let column = items.column(name) else { continue }
            let prefix = "history_item_" + name
            if let floats = column.floatValues {
                var summary = SummaryColumns(prefix: prefix, count: n), running = RunningSummary()
                HistorySweep.run(h, reset: { running.reset() }, add: { r in
                    let row = itemRowOfEvent[r]
                    if row >= 0, floats[Int(row)].isFinite { running.add(floats[Int(row)]) }
                }, emit: { i in summary.set(i, running) })
                out += summary.columns
            } else if let tokenIDs = column.tokenIDs {
                var distinct = [Double](repeating: 0, count: n), topShare = [Double](repeating: .nan, count: n)
                var last = [String](repeating: "", count: n)
                var seen = DistinctCounter(size: column.tokens.count), latest: Int32 = -1, count = 0
                HistorySweep.run(h, reset: { seen.reset(); latest = -1; count = 0 }, add: { r in
                    let row = itemRowOfEvent[r]
                    guard row >= 0, case let id = tokenIDs[Int(row)], id >= 0 else { return }
                    seen.add(id); latest = id; count += 1
                }, emit: { i in
                    guard count > 0 else { return }
                    last[i] = column.tokens.string(latest)
                    distinct[i] = Double(seen.distinct)
                    topShare[i] = Double(seen.most) / Double(count)
                })
                out += [FeatureColumn(prefix + "_distinct", numbers: distinct), FeatureColumn(prefix + "_last", tokens: last),
                        FeatureColumn(prefix + "_top_share", numbers: topShare)]
            }
        }
        return out
    }
}
