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
    /// What preparation learned from the training samples (or was given, by `apply`): what a
    /// run folder saves so that new samples are encoded the same way.
    public var fitted: FittedPreprocessing?
    /// Whether the samples came with labels (a file of samples to score may have none: 0 then).
    public var labelled = true
    /// Read from a prepared cache (`openCache`): the per-event and per-row arrays above are then
    /// empty and batches read their rows from these files.
    public var onDisk: CachedColumns? = nil
    /// The cache's decoded images, when it has them (`CachedImages` serves them).
    public var cachedImages: PreparedFacts.Images? = nil

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
public struct PreparationReport: Sendable, Equatable, Codable {
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
        let context = try PreparationContext(raw: raw, options: options)
        let s = try context.anchorAndSplitAll()
        return try encode(context, anchors: s.anchors, rows: s.rows, roles: s.roles, strategy: s.strategy, fitted: nil, report: s.report)
    }

    /// Rows `rows` of `context`'s labels table, encoded with a training run's `fitted`
    /// vocabularies and statistics (nothing is fitted here): each sample gets exactly the inputs
    /// the run gave it, whatever else the dataset holds. `roles` says what the samples are
    /// called (default: test, the role of samples the run never saw).
    public static func apply(_ fitted: FittedPreprocessing, context: PreparationContext, rows: [Int],
                             roles: [SplitRole]? = nil) throws(DatasetError) -> PreparedDataset {
        let anchors = context.anchors(rows: rows)
        var report = context.report
        report.samplesWithoutEvents = anchors.samplesWithoutEvents
        report.truncatedSequences = anchors.truncatedSequences
        return try encode(context, anchors: anchors, rows: rows, roles: roles ?? [SplitRole](repeating: .test, count: rows.count),
                          strategy: context.options.split, fitted: fitted, report: report)
    }

    /// The inputs of samples `rows`: fitted on the training ones when `fitted` is nil, else with `fitted`.
    static func encode(_ context: PreparationContext, anchors: PreparationContext.Anchors, rows: [Int], roles: [SplitRole], strategy: SplitStrategy,
                       fitted: FittedPreprocessing?, report: PreparationReport) throws(DatasetError) -> PreparedDataset {
        var report = report
        let raw = context.raw, options = context.options
        let training = fitted == nil ? roles.map { $0 == .train } : [Bool](repeating: false, count: rows.count)
        let itemJoin = try ItemColumnJoin.resolve(raw: raw, itemRowOfEventItem: context.itemRowOfEventItem, options: options)
        if let note = itemJoin?.note(itemsFile: raw.items!.file) { report.notes.append(note) }
        let (sequence, fittedSequence) = try encodeSequences(raw: raw, index: context.index, keys: anchors.keyOfSample, histories: anchors.histories,
                                                             training: training, itemRowOfEventItem: context.itemRowOfEventItem, itemJoin: itemJoin,
                                                             options: options, fitted: fitted?.sequence, population: context.population,
                                                             vocabularies: context.vocabularies, seenCounts: context.populationSeenCounts)
        return try assemble(raw: raw, options: options, anchors: anchors, rows: rows, roles: roles, training: training, strategy: strategy,
                            sequence: sequence, fittedSequence: fittedSequence, fitted: fitted, vocabularies: context.vocabularies,
                            sampleEvents: options.keepSampleEvents ? context.index : nil, report: report)
    }

    /// The dataset around its `sequence` features: profile and attribute rows, image paths,
    /// labels and anomaly classes of samples `rows`, and what was fitted.
    static func assemble(raw: RawDataset, options: DataOptions, anchors: PreparationContext.Anchors, rows: [Int], roles: [SplitRole], training: [Bool],
                         strategy: SplitStrategy, sequence: SequenceFeatures, fittedSequence: FittedSequence, fitted: FittedPreprocessing?,
                         vocabularies: FittedVocabularies?, sampleEvents index: EventIndex?, report: PreparationReport) throws(DatasetError) -> PreparedDataset {
        var report = report
        let labels = raw.labels, n = rows.count
        let (targetOfSample, userOfSample) = (anchors.targetOfSample, anchors.userOfSample)
        // Profile and attribute rows of each sample.
        var profile: TabularFeatures?, attributes: TabularFeatures?
        var imagePaths = [String?](repeating: nil, count: n)
        var userRows = [Int32](repeating: -1, count: n), itemRows = [Int32](repeating: -1, count: n)
        if let users = raw.users, fitted == nil || fitted?.profile != nil {
            let ids = users.column("user_id")!
            userRows = userOfSample.map { u in u.flatMap { ids.tokens.lookup($0) }.map { rowOf(ids, $0) } ?? -1 }
            profile = try TabularFeatures(table: users, idColumn: "user_id", rows: userRows, training: training, minFrequency: options.minFrequency,
                                          fitted: fitted?.profile, vocabularies: vocabularies)
            report.ignoredColumns += profile!.ignoredColumns.map { "\(users.file):\($0)" }
        } else if let fit = fitted?.profile {
            profile = TabularFeatures(absent: fit, count: n)
        }
        report.notes += categoryColumnNotes(raw, options: options)
        if raw.eventTypeAdded {
            report.notes.append("\(raw.events.file) has no event_type column (as RecBole's .inter files): every event is one type, \"interaction\"; "
                                + "add an event_type:token column to tell views from purchases")
        }
        if let items = raw.items, fitted == nil || fitted?.attributes != nil {
            let ids = items.column("item_id")!
            itemRows = targetOfSample.map { t in ids.tokens.lookup(t).map { rowOf(ids, $0) } ?? -1 }
            attributes = try TabularFeatures(table: items, idColumn: "item_id", rows: itemRows, training: training, minFrequency: options.minFrequency,
                                             fitted: fitted?.attributes, vocabularies: vocabularies)
            report.ignoredColumns += attributes!.ignoredColumns.map { "\(items.file):\($0)" }
            if let image = items.column("image"), let imageIDs = image.tokenIDs {
                for i in 0..<n where itemRows[i] >= 0 {
                    let raw = imageIDs[Int(itemRows[i])]
                    if raw >= 0 { imagePaths[i] = image.tokens.string(raw) }
                }
            }
        } else if let fit = fitted?.attributes {
            attributes = TabularFeatures(absent: fit, count: n)
        }

        // Anomaly types: raw strings, and classes for an auxiliary head from training types.
        var typeStrings = [String](repeating: "", count: n)
        if let c = labels.column("anomaly_type"), let ids = c.tokenIDs {
            for i in 0..<n where ids[rows[i]] >= 0 {
                let t = c.tokens.string(ids[rows[i]])
                typeStrings[i] = t == "normal" ? "" : t
            }
        }
        let trainingTypes = Set((0..<n).filter { training[$0] && !typeStrings[$0].isEmpty }.map { typeStrings[$0] }).sorted()
        let classNames = fitted?.anomalyClassNames ?? ["normal"] + trainingTypes
        let classOf = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($0.element, Int32($0.offset)) })
        let classes = typeStrings.map { $0.isEmpty ? Int32(0) : (classOf[$0] ?? -1) }

        let sampleIDColumn = labels.column("sample_id")!
        var prepared = PreparedDataset(
            options: options, folder: raw.folder,
            sampleIDs: rows.map { sampleIDColumn.tokens.string(sampleIDColumn.tokenIDs![$0]) },
            labels: PreparationContext.labelValues(labels, rows: rows), anomalyTypes: typeStrings, anomalyClasses: classes, anomalyClassNames: classNames,
            roles: roles, sequence: sequence, profile: profile, attributes: attributes,
            imagePaths: imagePaths, targetItems: targetOfSample,
            events: index.map { SampleEvents(index: $0, windows: anchors.histories, histories: anchors.visible, userRows: userRows, itemRows: itemRows) },
            labelsFile: labels.file, splitStrategy: strategy, report: report)
        prepared.labelled = labels.hasColumn("label")
        prepared.fitted = fitted ?? FittedPreprocessing(sequenceKey: raw.sequenceKey, sequence: fittedSequence, profile: profile?.fit, attributes: attributes?.fit, anomalyClassNames: classNames)
        return prepared
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
