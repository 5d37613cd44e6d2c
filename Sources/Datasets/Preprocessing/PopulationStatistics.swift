/// How each item compares across the population, from training samples' events only: per item,
/// its event count and, for each events.csv float column, the sum and count of its finite values.
/// Shared by the per-event features of the sequence encoder (`PopulationFeatures`, over the
/// training windows) and the feature export (over the training samples' whole visible histories),
/// so both measure "this event against its item" by one rule.
///
/// The rule: the counted event rows are those inside the given training ranges, each row once
/// however many overlapping ranges hold it. A counted event sees the statistics without itself
/// (leave-one-out), so a training event is measured the way a held-out event is; an item's mean
/// is shrunk toward the column's overall mean by one pseudo-event, so an item seen once (or never)
/// gives no deviation of its own.
public struct PopulationStatistics: Sendable, Equatable {
    /// Per float column: its values (per event row) and, per raw item id, the counted sum and number of finite values.
    public struct Column: Sendable, Equatable {
        public let name: String
        public let values: [Double]
        public let sum: [Double]
        public let finite: [Double]
        /// Mean and spread of the column over the counted events (any item or none).
        public let overall: Standardizer
    }

    /// Raw item id (events.csv `item_id` token) of each event row; −1 without an item.
    public let itemOfRow: [Int32]
    /// Whether each event row is counted (inside a training range).
    public let counted: [Bool]
    /// Counted events per raw item id.
    public let count: [Double]
    public let columns: [Column]

    /// The statistics of `floatColumns` (events.csv float columns) over the events at positions
    /// `ranges[i]` of `order` for every sample `i` with `training[i]`.
    public init(events: AtomicTable, floatColumns: [String], order: [Int32], ranges: [Range<Int>], training: [Bool]) {
        let item = events.column("item_id")!
        let itemOfRow = item.tokenIDs!, itemCount = item.tokens.count, rows = events.rowCount
        var counted = [Bool](repeating: false, count: rows)
        for (p, inside) in Self.covered(ranges, selected: training, positions: order.count).enumerated() where inside {
            counted[Int(order[p])] = true
        }
        var count = [Double](repeating: 0, count: itemCount)
        for r in 0..<rows where counted[r] && itemOfRow[r] >= 0 { count[Int(itemOfRow[r])] += 1 }
        columns = floatColumns.map { name in
            let values = events.column(name)!.floatValues!
            var sum = [Double](repeating: 0, count: itemCount), finite = [Double](repeating: 0, count: itemCount)
            for r in 0..<rows where counted[r] && itemOfRow[r] >= 0 && values[r].isFinite {
                sum[Int(itemOfRow[r])] += values[r]
                finite[Int(itemOfRow[r])] += 1
            }
            return Column(name: name, values: values, sum: sum, finite: finite,
                          overall: Standardizer(values: (0..<rows).lazy.filter { counted[$0] }.map { values[$0] }))
        }
        self.itemOfRow = itemOfRow
        self.counted = counted
        self.count = count
    }

    /// Whether each position `0..<positions` lies in some `ranges[i]` with `selected[i]`: one pass
    /// over boundary counts, not over every range's positions — whole histories of many samples
    /// of one key overlap almost entirely.
    public static func covered(_ ranges: [Range<Int>], selected: [Bool], positions: Int) -> [Bool] {
        var depth = [Int](repeating: 0, count: positions + 1)
        for (i, range) in ranges.enumerated() where selected[i] && !range.isEmpty {
            depth[range.lowerBound] += 1; depth[range.upperBound] -= 1
        }
        var inside = [Bool](repeating: false, count: positions), open = 0
        for p in 0..<positions { open += depth[p]; inside[p] = open > 0 }
        return inside
    }

    /// Event row `r`'s item count without the event itself (NaN without an item).
    @inline(__always)
    public func countExcludingSelf(_ r: Int) -> Double {
        let it = itemOfRow[r]
        return it >= 0 ? count[Int(it)] - (counted[r] ? 1 : 0) : .nan
    }

    /// Event row `r`'s value of column `c` minus its item's shrunk leave-one-out mean, in the
    /// column's units; NaN when the event has no item or no value.
    @inline(__always)
    public func deviation(column c: Int, row r: Int) -> Double { columns[c].deviation(row: r, item: itemOfRow[r], counted: counted[r]) }
}

extension PopulationStatistics.Column {
    /// `deviation(column:row:)` with the row's item and counted flag given, for loops that hold
    /// one column (no struct copy per event).
    @inline(__always)
    public func deviation(row r: Int, item it: Int32, counted: Bool) -> Double {
        let v = values[r]
        guard it >= 0, v.isFinite else { return .nan }
        let own = counted ? 1.0 : 0.0
        let mean = (sum[Int(it)] - own * v + overall.mean) / (finite[Int(it)] - own + 1)
        return v - mean
    }
}

extension PopulationStatistics {
    /// The statistics a training run fitted (`fitted`), laid over the rows of another events
    /// table of the same format: items by id, an event counted when the fit counted it.
    public init(fitted: FittedPopulation, events: AtomicTable, sequenceKey: String) {
        self.init(fitted: fitted, lookup: FittedPopulation.Lookup(fitted), events: events, sequenceKey: sequenceKey)
    }

    /// `lookup`: `fitted`'s, made once by the caller.
    init(fitted: FittedPopulation, lookup: FittedPopulation.Lookup, events: AtomicTable, sequenceKey: String) {
        let position = lookup.positions
        let item = events.column("item_id")!
        let itemOfRow = item.tokenIDs!
        var fittedOfRaw = [Int](repeating: -1, count: item.tokens.count)
        for raw in 0..<item.tokens.count { fittedOfRaw[raw] = position[item.tokens.string(Int32(raw))] ?? -1 }
        count = fittedOfRaw.map { $0 >= 0 ? fitted.count[$0] : 0 }
        columns = fitted.columns.map { c in
            Column(name: c.name, values: events.column(c.name)?.floatValues ?? [Double](repeating: .nan, count: events.rowCount),
                   sum: fittedOfRaw.map { $0 >= 0 ? c.sum[$0] : 0 }, finite: fittedOfRaw.map { $0 >= 0 ? c.finite[$0] : 0 }, overall: c.overall)
        }
        let hashes = lookup.countedHashes
        var counted = [Bool](repeating: false, count: events.rowCount)
        if !hashes.isEmpty {
            let identity = EventIdentities(events, sequenceKey: sequenceKey)
            for r in 0..<events.rowCount where itemOfRow[r] >= 0 && fittedOfRaw[Int(itemOfRow[r])] >= 0 {
                counted[r] = hashes.sortedContains(identity.hash(row: r))
            }
        }
        self.itemOfRow = itemOfRow
        self.counted = counted
    }

    /// What a run saves of these statistics: items with counted events, and the counted events'
    /// identities (`countedEvents`, when already taken by `countedEvents(events:…)`).
    func fitted(events: AtomicTable, sequenceKey: String, logCount: Standardizer, countedEvents: String? = nil) -> FittedPopulation {
        let item = events.column("item_id")!
        let kept = count.indices.filter { count[$0] > 0 }
        return FittedPopulation(items: kept.map { item.tokens.string(Int32($0)) }, count: kept.map { count[$0] },
                                columns: columns.map { c in .init(name: c.name, sum: kept.map { c.sum[$0] }, finite: kept.map { c.finite[$0] }, overall: c.overall) },
                                logCount: logCount,
                                countedEvents: countedEvents ?? Self.countedEvents(events: events, sequenceKey: sequenceKey, counted: counted, itemOfRow: itemOfRow))
    }

    /// The identities of the `counted` event rows with an item, sorted, as `FittedPopulation.countedEvents`
    /// (`events` with its key, `event_type`, `item_id` and `timestamp` values).
    static func countedEvents(events: AtomicTable, sequenceKey: String, counted: [Bool], itemOfRow: [Int32]) -> String {
        var hashes: [UInt64] = []
        appendCountedHashes(events: events, sequenceKey: sequenceKey, counted: counted[...], itemOfRow: itemOfRow, into: &hashes)
        hashes.sort()
        return FittedPopulation.encode(hashes)
    }

    /// Appends the identities of `events`' rows that are `counted` and have an item (`counted`
    /// and `itemOfRow` indexed from the slice's start: a table of some rows read from a spill).
    static func appendCountedHashes(events: AtomicTable, sequenceKey: String, counted: ArraySlice<Bool>, itemOfRow: [Int32], into hashes: inout [UInt64]) {
        let identity = EventIdentities(events, sequenceKey: sequenceKey)
        for (r, isCounted) in counted.enumerated() where isCounted && itemOfRow[r] >= 0 { hashes.append(identity.hash(row: r)) }
    }
}

/// Each event row's identity (sequence key, time, type, item — `EventIdentity.hash`), with the
/// columns looked up once rather than per row.
struct EventIdentities {
    let key: Column?, eventType: Column?, item: Column?
    let timestamps: [Double]?

    init(_ events: AtomicTable, sequenceKey: String) {
        key = events.column(sequenceKey); eventType = events.column("event_type"); item = events.column("item_id")
        timestamps = events.column("timestamp")?.floatValues
    }

    func hash(row r: Int) -> UInt64 {
        func token(_ c: Column?) -> String {
            guard let c, let id = c.tokenIDs?[r], id >= 0 else { return "" }
            return c.tokens.string(id)
        }
        return EventIdentity.hash(key: token(key), timestamp: timestamps?[r] ?? 0, eventType: token(eventType), item: token(item))
    }
}
