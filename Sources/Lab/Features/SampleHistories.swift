import Datasets

/// Each sample's events exactly as a run sees them: the sequence key's events at or before the
/// cutoff (events of unknown users or items dropped), the most recent `maxLength` of them, and
/// the sample's user. It repeats `PreparedDataset.prepare`'s rules (which keeps these ranges to
/// itself); `FeatureExport` checks the window lengths against the prepared sequences, so a
/// change to one that is not made in the other is an error, not a silent difference.
struct SampleHistories {
    let index: EventIndex
    /// Positions in `index.order` of the events the model sees, oldest first.
    let windows: [Range<Int>]
    /// Events at or before the cutoff, before truncation to `maxLength`.
    let historyLengths: [Int]
    /// Row of the sample's user in users.csv (−1 when none).
    let userRows: [Int32]
    /// Row of the sample's target item in items.csv (−1 when none).
    let itemRows: [Int32]

    init(raw: RawDataset, maxLength: Int, targetItems: [String]) throws(DatasetError) {
        let events = raw.events, labels = raw.labels
        let n = labels.rowCount
        let eventKey = try events.require(raw.sequenceKey, type: .token)
        let eventUser = try events.require("user_id", type: .token)
        let eventItem = try events.require("item_id", type: .token)
        let timestamps = try events.require("timestamp", type: .float).floatValues!
        let eventUsers = eventUser.tokenIDs!, eventItems = eventItem.tokenIDs!

        // Events whose user or item has no row are dropped (with policy "error" the run would
        // have stopped before this point).
        let userRowOfRaw = raw.users.map { Self.rowsByRawID(eventUser.tokens, $0, "user_id") }
        let itemRowOfRaw = raw.items.map { Self.rowsByRawID(eventItem.tokens, $0, "item_id") }
        var keys = eventKey.tokenIDs!
        for row in 0..<events.rowCount {
            let u = eventUsers[row], it = eventItems[row]
            let unknownUser = userRowOfRaw.map { u >= 0 && $0[Int(u)] < 0 } ?? false
            let unknownItem = itemRowOfRaw.map { it >= 0 && $0[Int(it)] < 0 } ?? false
            if unknownUser || unknownItem { keys[row] = -1 }
        }
        let index = EventIndex(keys: keys, keyCount: eventKey.tokens.count, timestamps: timestamps)

        let labelKey = try labels.require(raw.sequenceKey, type: .token)
        let declaredCutoffs = labels.column("cutoff")?.floatValues
        let labelUsers = labels.column("user_id")
        var windows = [Range<Int>](repeating: 0..<0, count: n), lengths = [Int](repeating: 0, count: n)
        var userRows = [Int32](repeating: -1, count: n)
        let userIDs = raw.users?.column("user_id")
        for i in 0..<n {
            let labelID = labelKey.tokenIDs![i]
            let key = labelID >= 0 ? (eventKey.tokens.lookup(labelKey.tokens.string(labelID)) ?? -1) : -1
            let all = index.all(key: key)
            let cutoff = declaredCutoffs.flatMap { $0[i].isFinite ? $0[i] : nil }
                ?? (all.isEmpty ? 0 : timestamps[Int(index.order[all.upperBound - 1])])
            let history = index.history(key: key, cutoff: cutoff)
            lengths[i] = history.count
            windows[i] = max(history.lowerBound, history.upperBound - maxLength)..<history.upperBound

            // The user: labels' user_id, else the user of the key's latest event.
            var user: String?
            if let c = labelUsers, let id = c.tokenIDs?[i], id >= 0 { user = c.tokens.string(id) }
            else if let last = all.last, case let u = eventUsers[Int(index.order[last])], u >= 0 { user = eventUser.tokens.string(u) }
            if let user, let userIDs, let id = userIDs.tokens.lookup(user) { userRows[i] = id }
        }
        let itemIDs = raw.items?.column("item_id")
        self.itemRows = targetItems.map { t in itemIDs.flatMap { $0.tokens.lookup(t) } ?? -1 }
        self.index = index
        self.windows = windows
        self.historyLengths = lengths
        self.userRows = userRows
    }

    /// For each raw id of `tokens`, the row of `table` with that id (−1 if none). Ids of a
    /// unique id column are interned in row order, so a column's id is its row.
    static func rowsByRawID(_ tokens: TokenInterner, _ table: AtomicTable, _ idColumn: String) -> [Int32] {
        let ids = table.column(idColumn)!
        return (0..<tokens.count).map { ids.tokens.lookup(tokens.string(Int32($0))) ?? -1 }
    }

    /// Event rows of sample `i`'s window, oldest first.
    func rows(_ i: Int) -> ArraySlice<Int32> { index.order[windows[i]] }
}
