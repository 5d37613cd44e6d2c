import Foundation

/// A dataset turned into model inputs for one split: sequences, profile and attribute rows,
/// image references, labels — every vocabulary and statistic taken from training samples only.
public struct PreparedDataset: Sendable {
    public var options: DataOptions
    public var folder: String
    public var sampleIDs: [String]
    public var labels: [Float]
    /// Raw anomaly type per sample ("" for normal samples or when the column is absent).
    public var anomalyTypes: [String]
    /// Auxiliary-head class per sample: 0 normal, 1… the types seen in training, −1 unseen.
    public var anomalyClasses: [Int32]
    public var anomalyClassNames: [String]
    public var roles: [SplitRole]
    public var sequence: SequenceFeatures
    public var profile: TabularFeatures?
    public var attributes: TabularFeatures?
    /// Image path (relative to the folder) of each sample's target item, if it has one.
    public var imagePaths: [String?]
    /// Target item id per sample (for messages and caches).
    public var targetItems: [String]
    /// Each sample's event window and entity rows, when `options.keepSampleEvents` asked for them.
    public var events: SampleEvents?
    /// What messages call the labels file (`labels.csv`).
    public var labelsFile: String
    /// The split strategy used (what `auto` became).
    public var splitStrategy: SplitStrategy
    public var report: PreparationReport

    public var sampleCount: Int { labels.count }

    public func indices(_ role: SplitRole) -> [Int] { roles.indices.filter { roles[$0] == role } }

    /// Whether a detector can be trained on this split: the training split must hold samples, and
    /// anomalies among them. Found before training, the error names the labels file instead of
    /// surfacing later as an empty batch or a meaningless score. (Feature export does not ask.)
    public func checkTrainable() throws(DatasetError) {
        let strategy = "data.split.strategy \"\(splitStrategy.rawValue)\"" + (options.fold.map { ", fold \($0.index + 1) of \($0.count)" } ?? "")
        let training = indices(.train)
        guard !training.isEmpty else {
            throw .invalid(file: labelsFile, message: "the training split is empty (0 of \(sampleCount) samples; \(strategy)); "
                           + (splitStrategy == .column ? "mark some rows split=train" : "add samples or change data.split"))
        }
        guard training.contains(where: { labels[$0] == 1 }) else {
            throw .invalid(file: labelsFile, message: "the training split has no positive samples (label 1) among its \(training.count) samples "
                           + "(\(strategy)); the detector needs anomalies to learn from: add label-1 samples"
                           + (splitStrategy == .column ? " to split=train" : " or change data.split"))
        }
    }
}

/// What preparation did, for the run log.
public struct PreparationReport: Sendable, Equatable {
    public var events = 0
    public var eventsWithUnknownUser = 0
    public var eventsWithUnknownItem = 0
    public var droppedEvents = 0
    public var samplesWithoutEvents = 0
    public var truncatedSequences = 0
    public var ignoredColumns: [String] = []
    public var splitCounts: [String: Int] = [:]
    /// What the run log should say about choices the data suggests another way (a `category`
    /// column that is not the configured category column, say).
    public var notes: [String] = []
}

extension PreparedDataset {
    public static func prepare(_ raw: RawDataset, options: DataOptions) throws(DatasetError) -> PreparedDataset {
        var report = PreparationReport()
        let events = raw.events, labels = raw.labels
        let n = labels.rowCount
        report.events = events.rowCount
        let eventKey = try events.require(raw.sequenceKey, type: .token)
        let eventUser = try events.require("user_id", type: .token)
        let eventItem = try events.require("item_id", type: .token)
        let eventType = try events.require("event_type", type: .token)
        let timestamps = try events.require("timestamp", type: .float).floatValues!
        let eventItems = eventItem.tokenIDs!

        // Join events to users/items rows, by raw id (one string lookup per distinct id).
        let userRowOfEventUser = raw.users.map { joinRows(from: eventUser.tokens, to: $0, idColumn: "user_id") }
        let itemRowOfEventItem = raw.items.map { joinRows(from: eventItem.tokens, to: $0, idColumn: "item_id") }
        var keys = eventKey.tokenIDs!
        let eventUsers = eventUser.tokenIDs!
        for row in 0..<events.rowCount {
            var unknown = false
            if let map = userRowOfEventUser, case let u = eventUsers[row], u >= 0, map[Int(u)] < 0 {
                report.eventsWithUnknownUser += 1; unknown = true
                if options.missingEntityPolicy == .error {
                    throw .csv(file: events.file, line: Int(events.lines[row]), column: columnNumber(events, "user_id"),
                               message: "user \"\(eventUser.tokens.string(u))\" has no row in \(raw.users!.file) (missing_entities: error; set \"drop\" to skip such events)")
                }
            }
            if let map = itemRowOfEventItem, eventItems[row] >= 0, map[Int(eventItems[row])] < 0 {
                report.eventsWithUnknownItem += 1; unknown = true
                if options.missingEntityPolicy == .error {
                    throw .csv(file: events.file, line: Int(events.lines[row]), column: columnNumber(events, "item_id"),
                               message: "item \"\(eventItem.tokens.string(eventItems[row]))\" has no row in \(raw.items!.file) (missing_entities: error; set \"drop\" to skip such events)")
                }
            }
            if unknown { keys[row] = -1; report.droppedEvents += 1 }
        }
        let index = EventIndex(keys: keys, keyCount: eventKey.tokens.count, timestamps: timestamps)

        // Per sample: its key, cutoff, history, user and target item.
        let labelKey = try labels.require(raw.sequenceKey, type: .token)
        let keyOfSample = labelKey.tokenIDs!.map { $0 >= 0 ? (eventKey.tokens.lookup(labelKey.tokens.string($0)) ?? -1) : -1 }
        let declaredCutoffs = labels.column("cutoff")?.floatValues
        var cutoffs = [Double](repeating: 0, count: n)
        var histories = [Range<Int>](repeating: 0..<0, count: n), historyLengths = [Int](repeating: 0, count: n)
        var visible = [Range<Int>](repeating: 0..<0, count: n)
        for i in 0..<n {
            let all = index.all(key: keyOfSample[i])
            let cutoff = declaredCutoffs.flatMap { $0[i].isFinite ? $0[i] : nil }
                ?? (all.isEmpty ? 0 : timestamps[Int(index.order[all.upperBound - 1])])
            cutoffs[i] = cutoff
            let history = index.history(key: keyOfSample[i], cutoff: cutoff)
            if history.isEmpty { report.samplesWithoutEvents += 1 }
            if history.count > options.maxLength { report.truncatedSequences += 1 }
            historyLengths[i] = history.count
            visible[i] = history
            histories[i] = max(history.lowerBound, history.upperBound - options.maxLength)..<history.upperBound
        }

        // Users: the labels' user_id, else the user of the key's latest event.
        let labelUsers = labels.column("user_id")
        var userOfSample = [String?](repeating: nil, count: n)
        for i in 0..<n {
            if let c = labelUsers, let id = c.tokenIDs?[i], id >= 0 { userOfSample[i] = c.tokens.string(id); continue }
            let all = index.all(key: keyOfSample[i])
            if let last = all.last, let u = eventUser.tokenIDs?[Int(index.order[last])], u >= 0 { userOfSample[i] = eventUser.tokens.string(u) }
        }
        // Target item: labels' target_item_id, else the item of the last event seen.
        let labelTargets = labels.column("target_item_id")
        var targetOfSample = [String](repeating: "", count: n)
        for i in 0..<n {
            if let c = labelTargets, let id = c.tokenIDs?[i], id >= 0 { targetOfSample[i] = c.tokens.string(id); continue }
            for p in histories[i].reversed() where eventItems[Int(index.order[p])] >= 0 {
                targetOfSample[i] = eventItem.tokens.string(eventItems[Int(index.order[p])]); break
            }
        }

        // Split.
        let labelValues = labels.column("label")!.floatValues!.map(Float.init)
        let userGroups = TokenGroups(userOfSample.map { $0 ?? "" })
        let declared: [SplitRole?]? = labels.column("split").map { c in
            c.tokenIDs!.map { id in id < 0 ? nil : SplitRole.allCases.first { $0.description == c.tokens.string(id) } }
        }
        let splitInputs = SplitInputs(labels: labelValues, cutoffs: cutoffs, groups: userGroups.ids, declared: declared)
        var strategy = options.split
        if strategy == .auto {
            let (resolved, reason) = SplitStrategy.resolvingAuto(splitInputs)
            strategy = resolved
            if !reason.isEmpty { report.notes.append(reason) }
        }
        if let declared, strategy == .column, let bad = declared.firstIndex(where: { $0 == nil }) {
            let c = labels.column("split")!, id = c.tokenIDs![bad]
            throw .csv(file: labels.file, line: Int(labels.lines[bad]), column: columnNumber(labels, "split"),
                       message: "split must be train, valid or test, found \(id < 0 ? "an empty field" : "\"\(c.tokens.string(id))\"")")
        }
        let roles = try Splitter.assign(splitInputs, strategy: strategy, fractions: options.fractions, seed: options.seed, fold: options.fold)
        let training = roles.map { $0 == .train }
        for r in SplitRole.allCases { report.splitCounts[r.description] = roles.filter { $0 == r }.count }

        let itemJoin = try ItemColumnJoin.resolve(raw: raw, itemRowOfEventItem: itemRowOfEventItem, options: options)
        if let note = itemJoin?.note(itemsFile: raw.items!.file) { report.notes.append(note) }
        let sequence = try encodeSequences(raw: raw, index: index, keys: keyOfSample, histories: histories, training: training,
                                           itemRowOfEventItem: itemRowOfEventItem, itemJoin: itemJoin, options: options)

        // Profile and attribute rows of each sample.
        var profile: TabularFeatures?, attributes: TabularFeatures?
        var imagePaths = [String?](repeating: nil, count: n)
        var userRows = [Int32](repeating: -1, count: n), itemRows = [Int32](repeating: -1, count: n)
        if let users = raw.users {
            let ids = users.column("user_id")!
            userRows = userOfSample.map { u in u.flatMap { ids.tokens.lookup($0) }.map { rowOf(ids, $0) } ?? -1 }
            profile = TabularFeatures(table: users, idColumn: "user_id", rows: userRows, training: training, minFrequency: options.minFrequency)
            report.ignoredColumns += profile!.ignoredColumns.map { "\(users.file):\($0)" }
        }
        report.notes += categoryColumnNotes(raw, options: options)
        if raw.eventTypeAdded {
            report.notes.append("\(raw.events.file) has no event_type column (as RecBole's .inter files): every event is one type, \"interaction\"; "
                                + "add an event_type:token column to tell views from purchases")
        }
        if let items = raw.items {
            let ids = items.column("item_id")!
            itemRows = targetOfSample.map { t in ids.tokens.lookup(t).map { rowOf(ids, $0) } ?? -1 }
            attributes = TabularFeatures(table: items, idColumn: "item_id", rows: itemRows, training: training, minFrequency: options.minFrequency)
            report.ignoredColumns += attributes!.ignoredColumns.map { "\(items.file):\($0)" }
            if let image = items.column("image"), let imageIDs = image.tokenIDs {
                for i in 0..<n where itemRows[i] >= 0 {
                    let raw = imageIDs[Int(itemRows[i])]
                    if raw >= 0 { imagePaths[i] = image.tokens.string(raw) }
                }
            }
        }

        // Anomaly types: raw strings, and classes for an auxiliary head from training types.
        var typeStrings = [String](repeating: "", count: n)
        if let c = labels.column("anomaly_type"), let ids = c.tokenIDs {
            for i in 0..<n where ids[i] >= 0 {
                let t = c.tokens.string(ids[i])
                typeStrings[i] = t == "normal" ? "" : t
            }
        }
        let trainingTypes = Set((0..<n).filter { training[$0] && !typeStrings[$0].isEmpty }.map { typeStrings[$0] }).sorted()
        let classNames = ["normal"] + trainingTypes
        let classOf = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($0.element, Int32($0.offset)) })
        let classes = typeStrings.map { $0.isEmpty ? Int32(0) : (classOf[$0] ?? -1) }

        let sampleIDColumn = labels.column("sample_id")!
        return PreparedDataset(
            options: options, folder: raw.folder,
            sampleIDs: sampleIDColumn.tokenIDs!.map { sampleIDColumn.tokens.string($0) },
            labels: labelValues, anomalyTypes: typeStrings, anomalyClasses: classes, anomalyClassNames: classNames,
            roles: roles, sequence: sequence, profile: profile, attributes: attributes,
            imagePaths: imagePaths, targetItems: targetOfSample,
            events: options.keepSampleEvents
                ? SampleEvents(index: index, windows: histories, histories: visible, historyLengths: historyLengths, userRows: userRows, itemRows: itemRows) : nil,
            labelsFile: labels.file, splitStrategy: strategy, report: report)
    }

    /// For each raw id of `tokens`, the row of `table` with that id (−1 if none).
    public static func joinRows(from tokens: TokenInterner, to table: AtomicTable, idColumn: String) -> [Int32] {
        let ids = table.column(idColumn)!
        return (0..<tokens.count).map { raw in
            ids.tokens.lookup(tokens.string(Int32(raw))).map { rowOf(ids, $0) } ?? -1
        }
    }

    /// Row of raw id `id` in a unique id column (ids are interned in row order, so id = row
    /// when every row has a distinct id — which RawDataset checked).
    static func rowOf(_ idColumn: Column, _ id: Int32) -> Int32 { id }

    static func columnNumber(_ table: AtomicTable, _ name: String) -> Int {
        (table.columns.firstIndex { $0.name == name } ?? 0) + 1
    }
}

/// Dense ids for strings (users as split groups).
struct TokenGroups {
    var ids: [Int32]
    init(_ strings: [String]) {
        var interner = TokenInterner()
        ids = strings.map { interner.intern($0) }
    }
}

extension PreparedDataset {
    /// A note when neither table has the configured category column but one looks like a
    /// category (its name contains "category"): the run would otherwise go on without
    /// per-event categories and nobody would know why.
    static func categoryColumnNotes(_ raw: RawDataset, options: DataOptions) -> [String] {
        let tables = [raw.events] + (raw.items.map { [$0] } ?? [])
        guard !tables.contains(where: { $0.column(options.itemCategoryColumn)?.spec.type == .token }) else { return [] }
        return tables.flatMap { t in
            t.columns.filter { $0.spec.type == .token && $0.name.lowercased().contains("category") }.map {
                "\(t.file) has a token column \"\($0.name)\" but data.item_category_column is \"\(options.itemCategoryColumn)\"; "
                    + "set data.item_category_column=\($0.name) to use it as each event's category"
            }
        }
    }
}
