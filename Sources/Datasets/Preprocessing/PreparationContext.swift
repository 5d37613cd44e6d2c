import Foundation

/// The half of preparation that does not depend on which samples are prepared: events joined
/// to their users' and items' rows (unknown ones dropped or refused by `missing_entities`) and
/// indexed by sequence key and time. Training prepares every sample from one context; scoring
/// builds one per dataset and prepares its samples chunk by chunk (`PreparedDataset.apply`).
public struct PreparationContext: Sendable {
    public private(set) var raw: RawDataset
    public let options: DataOptions
    /// The event counts of the report (`events`, unknown users and items, dropped).
    var report: PreparationReport
    let eventKey: Column
    let eventUser: Column
    let eventItem: Column
    let timestamps: [Double]
    let userRowOfEventUser: [Int32]?
    let itemRowOfEventItem: [Int32]?
    let index: EventIndex
    /// With a run's fitted preprocessing: its population statistics laid over these events, once.
    let population: PopulationStatistics?
    /// With a run's fitted preprocessing: its vocabularies over these tables, made once (`with(samples:)` shares them).
    let vocabularies: FittedVocabularies?
    /// The fitted population's item counts above zero, sorted (what its count feature ranks against), once.
    let populationSeenCounts: [Double]?

    /// The fitted population's lookups, made once (`overlay` contexts share them).
    let populationLookup: FittedPopulation.Lookup?
    /// The fitted vocabularies' token indexes its overlays share (made only when an overlay asks).
    let overlayTokenIndexes: FittedTokenIndexes?

    /// `applying`: the fitted preprocessing samples of this context will be encoded with (scoring).
    public init(raw: RawDataset, options: DataOptions, applying fitted: FittedPreprocessing? = nil) throws(DatasetError) {
        try self.init(raw: raw, options: options, applying: fitted, sharing: nil)
    }

    /// `sharing`: a context of the same fit whose fit-only lookups are reused.
    init(raw: RawDataset, options: DataOptions, applying fitted: FittedPreprocessing?, sharing base: PreparationContext?) throws(DatasetError) {
        var report = PreparationReport()
        let events = raw.events
        report.events = events.rowCount
        let eventKey = try events.require(raw.sequenceKey, type: .token)
        let eventUser = try events.require("user_id", type: .token)
        let eventItem = try events.require("item_id", type: .token)
        _ = try events.require("event_type", type: .token)
        let timestamps = try events.require("timestamp", type: .float).floatValues!
        let eventItems = eventItem.tokenIDs!

        // Join events to users/items rows, by raw id (one string lookup per distinct id).
        let userRowOfEventUser = raw.users.map { PreparedDataset.joinRows(from: eventUser.tokens, to: $0, idColumn: "user_id") }
        let itemRowOfEventItem = raw.items.map { PreparedDataset.joinRows(from: eventItem.tokens, to: $0, idColumn: "item_id") }
        var keys = eventKey.tokenIDs!
        let eventUsers = eventUser.tokenIDs!
        for row in 0..<events.rowCount {
            var unknown = false
            if let map = userRowOfEventUser, case let u = eventUsers[row], u >= 0, map[Int(u)] < 0 {
                report.eventsWithUnknownUser += 1; unknown = true
                if options.missingEntityPolicy == .error {
                    throw .csv(file: events.file, line: events.line(row), column: PreparedDataset.columnNumber(events, "user_id"),
                               message: "user \"\(eventUser.tokens.string(u))\" has no row in \(raw.users!.file) (missing_entities: error; set \"drop\" to skip such events)")
                }
            }
            if let map = itemRowOfEventItem, eventItems[row] >= 0, map[Int(eventItems[row])] < 0 {
                report.eventsWithUnknownItem += 1; unknown = true
                if options.missingEntityPolicy == .error {
                    throw .csv(file: events.file, line: events.line(row), column: PreparedDataset.columnNumber(events, "item_id"),
                               message: "item \"\(eventItem.tokens.string(eventItems[row]))\" has no row in \(raw.items!.file) (missing_entities: error; set \"drop\" to skip such events)")
                }
            }
            if unknown { keys[row] = -1; report.droppedEvents += 1 }
        }
        self.raw = raw; self.options = options; self.report = report
        self.eventKey = eventKey; self.eventUser = eventUser; self.eventItem = eventItem; self.timestamps = timestamps
        self.userRowOfEventUser = userRowOfEventUser; self.itemRowOfEventItem = itemRowOfEventItem
        index = EventIndex(keys: keys, keyCount: eventKey.tokens.count, timestamps: timestamps)
        let lookup = base?.populationLookup ?? fitted?.sequence.population.map { FittedPopulation.Lookup($0) }
        populationLookup = lookup
        population = fitted?.sequence.population.map { PopulationStatistics(fitted: $0, lookup: lookup!, events: events, sequenceKey: raw.sequenceKey) }
        overlayTokenIndexes = fitted == nil ? nil : base?.overlayTokenIndexes ?? FittedTokenIndexes()
        vocabularies = fitted == nil ? nil : FittedVocabularies(shared: base?.overlayTokenIndexes)
        populationSeenCounts = base?.populationSeenCounts ?? fitted?.sequence.population.map { $0.count.filter { $0 > 0 }.sorted() }
    }

    /// The same events, users and items with other samples (a request's, say): the labels
    /// table replaced, nothing recomputed.
    public func with(samples: AtomicTable) -> PreparationContext {
        var copy = self
        copy.raw.labels = samples
        return copy
    }

    /// Events left out because their user or item has no row (`missing_entities: drop`).
    public var droppedEvents: Int { report.droppedEvents }

    /// The samples' table (labels.csv, or the file of samples to score).
    public var samples: AtomicTable { raw.labels }

    /// Per sample (rows of the labels table): its key, cutoff, window, whole visible history,
    /// user and target item.
    struct Anchors {
        var keyOfSample: [Int32]
        var cutoffs: [Double]
        var histories: [Range<Int>]
        var visible: [Range<Int>]
        var userOfSample: [String?]
        var targetOfSample: [String]
        var samplesWithoutEvents = 0
        var truncatedSequences = 0
    }

    func anchors(rows: [Int]) -> Anchors {
        let labels = raw.labels, n = rows.count, eventItems = eventItem.tokenIDs!
        let labelKey = labels.column(raw.sequenceKey)!
        let keyOfSample = rows.map { labelKey.tokenIDs![$0] }.map { $0 >= 0 ? (eventKey.tokens.lookup(labelKey.tokens.string($0)) ?? -1) : -1 }
        let declaredCutoffs = labels.column("cutoff")?.floatValues
        var a = Anchors(keyOfSample: keyOfSample, cutoffs: [Double](repeating: 0, count: n), histories: [Range<Int>](repeating: 0..<0, count: n),
                        visible: [Range<Int>](repeating: 0..<0, count: n),
                        userOfSample: [String?](repeating: nil, count: n), targetOfSample: [String](repeating: "", count: n))
        for i in 0..<n {
            let all = index.all(key: keyOfSample[i])
            let cutoff = declaredCutoffs.flatMap { $0[rows[i]].isFinite ? $0[rows[i]] : nil }
                ?? (all.isEmpty ? 0 : timestamps[Int(index.order[all.upperBound - 1])])
            a.cutoffs[i] = cutoff
            let history = index.history(key: keyOfSample[i], cutoff: cutoff)
            if history.isEmpty { a.samplesWithoutEvents += 1 }
            if history.count > options.maxLength { a.truncatedSequences += 1 }
            a.visible[i] = history
            a.histories[i] = max(history.lowerBound, history.upperBound - options.maxLength)..<history.upperBound
        }
        // Users: the labels' user_id, else the user of the key's latest event.
        let labelUsers = labels.column("user_id")
        for i in 0..<n {
            if let c = labelUsers, let id = c.tokenIDs?[rows[i]], id >= 0 { a.userOfSample[i] = c.tokens.string(id); continue }
            let all = index.all(key: keyOfSample[i])
            if let last = all.last, let u = eventUser.tokenIDs?[Int(index.order[last])], u >= 0 { a.userOfSample[i] = eventUser.tokens.string(u) }
        }
        // Target item: labels' target_item_id, else the item of the last event seen.
        let labelTargets = labels.column("target_item_id")
        for i in 0..<n {
            if let c = labelTargets, let id = c.tokenIDs?[rows[i]], id >= 0 { a.targetOfSample[i] = c.tokens.string(id); continue }
            for p in a.histories[i].reversed() where eventItems[Int(index.order[p])] >= 0 {
                a.targetOfSample[i] = eventItem.tokens.string(eventItems[Int(index.order[p])]); break
            }
        }
        return a
    }

    /// Every labels row anchored and split as training prepares them, and the report so far.
    func anchorAndSplitAll() throws(DatasetError) -> (rows: [Int], anchors: Anchors, roles: [SplitRole], strategy: SplitStrategy, report: PreparationReport) {
        let rows = Array(0..<raw.labels.rowCount)
        let anchors = anchors(rows: rows)
        var report = report
        report.samplesWithoutEvents = anchors.samplesWithoutEvents
        report.truncatedSequences = anchors.truncatedSequences
        let (roles, strategy) = try split(anchors, rows: rows, report: &report)
        return (rows, anchors, roles, strategy, report)
    }

    /// Each labels row's label (0 where the table has no `label` column: samples given to score).
    func labelValues(rows: [Int]) -> [Float] { Self.labelValues(raw.labels, rows: rows) }

    static func labelValues(_ labels: AtomicTable, rows: [Int]) -> [Float] {
        guard let values = labels.column("label")?.floatValues else { return [Float](repeating: 0, count: rows.count) }
        return rows.map { Float(values[$0]) }
    }

    /// The split of every labels row by `options` (what `auto` became, and why), as training made it.
    func split(_ anchors: Anchors, rows: [Int], report: inout PreparationReport) throws(DatasetError) -> (roles: [SplitRole], strategy: SplitStrategy) {
        let labels = raw.labels
        let userGroups = TokenGroups(anchors.userOfSample.map { $0 ?? "" })
        let declared: [SplitRole?]? = labels.column("split").map { c in
            rows.map { c.tokenIDs![$0] }.map { id in id < 0 ? nil : SplitRole.allCases.first { $0.description == c.tokens.string(id) } }
        }
        let splitInputs = SplitInputs(labels: labelValues(rows: rows), cutoffs: anchors.cutoffs, groups: userGroups.ids, declared: declared)
        var strategy = options.split
        if strategy == .auto {
            let (resolved, reason) = SplitStrategy.resolvingAuto(splitInputs)
            strategy = resolved
            if !reason.isEmpty { report.notes.append(reason) }
        }
        if let declared, strategy == .column, let bad = declared.firstIndex(where: { $0 == nil }) {
            let c = labels.column("split")!, id = c.tokenIDs![rows[bad]]
            throw .csv(file: labels.file, line: Int(labels.lines[rows[bad]]), column: PreparedDataset.columnNumber(labels, "split"),
                       message: "split must be train, valid or test, found \(id < 0 ? "an empty field" : "\"\(c.tokens.string(id))\"")")
        }
        let roles = try Splitter.assign(splitInputs, strategy: strategy, fractions: options.fractions, seed: options.seed, fold: options.fold)
        for r in SplitRole.allCases { report.splitCounts[r.description] = roles.filter { $0 == r }.count }
        return (roles, strategy)
    }

    /// The split a training run of these options would make of every sample of this dataset
    /// (scoring a run's own test split).
    public func splitRoles() throws(DatasetError) -> [SplitRole] {
        let rows = Array(0..<raw.labels.rowCount)
        var report = PreparationReport()
        return try split(anchors(rows: rows), rows: rows, report: &report).roles
    }
}
