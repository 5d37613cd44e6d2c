import Datasets

/// Raw ids a tree can split on as categoricals: the sample's target item, and every token
/// column of events.csv at the sample's last visible event (the end of its history and of its
/// window alike). On click logs the item (app) itself and the last click's channel/device are
/// often the main signal; they are tokens, not numbers, even when they look numeric.
enum TargetAndLastEvent {
    /// Sequence keys: the same for every event of a history, so their last value says nothing new
    /// (the user is in `user_*`, a session id is unique to its history).
    static let keyColumns: Set<String> = ["user_id", "session_id"]

    /// `target_item_id`: the target the loader chose (labels.csv's, else the window's last item);
    /// "" when the sample has none.
    static func targetItem(_ targets: [String]) -> FeatureColumn { FeatureColumn("target_item_id", tokens: targets) }

    /// `last_<column>` for every token column of events.csv but the keys and `item_id`: its value
    /// at the history's last event ("" when that event leaves it empty, or there is none). The
    /// history is the loader's (at or before the cutoff), so nothing later is read. No
    /// `last_item_id`: it would repeat `target_item_id` — without a declared target the loader
    /// takes the window's last item, and the synthetic shop declares that same item. A name
    /// already in `taken` (events.csv `hour:token` against `last_hour`) becomes `last_event_<column>`.
    static func lastEventColumns(events: AtomicTable, histories h: SampleEvents, taken: Set<String>) -> [FeatureColumn] {
        var out: [FeatureColumn] = []
        for column in events.columns where !keyColumns.contains(column.name) {
            guard let ids = column.tokenIDs, column.name != "item_id" else { continue }
            let strings = column.tokens.strings
            let values = h.histories.indices.map { i -> String in
                guard let last = h.historyRows(i).last, case let id = ids[Int(last)], id >= 0 else { return "" }
                return strings[Int(id)]
            }
            let name = taken.contains("last_" + column.name) ? "last_event_" + column.name : "last_" + column.name
            out.append(FeatureColumn(name, tokens: values))
        }
        return out
    }
}
