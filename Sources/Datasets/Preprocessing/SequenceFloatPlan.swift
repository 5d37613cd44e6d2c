import Foundation

/// The extra float features of every event — events.csv float columns, joined items.csv
/// columns, then the population features — with their standardisers fitted on the training
/// windows (or a run's), written for any list of samples: the whole dataset at once, or chunk by
/// chunk when `prepare` writes a cache in passes. Chunks give the bytes of one whole write.
struct SequenceFloatPlan {
    let names: [String]
    let length: Int
    var width: Int { names.count }
    /// Per feature: the standardiser of an events.csv column (nil for the others).
    private(set) var standardizers: [Standardizer?]
    /// Standardisers of events.csv and joined items.csv columns, by name (what a run saves).
    private(set) var namedStandardizers: [String: Standardizer] = [:]
    /// Per events.csv float column: its value per event row.
    private let eventValues: [[Double]]
    private let itemJoin: ItemColumnJoin?
    private let itemColumns: [(column: Column, standardize: Standardizer)]
    private(set) var populationStatistics: PopulationStatistics?
    private var populationCount = 0
    private var logCount = Standardizer(mean: 0, std: 1)
    private var seen: [Double] = []
    private(set) var fittedPopulation: FittedPopulation?

    /// The features of `options` over `raw`'s events (their float and `item_id` columns with
    /// values), fitted on the `training` samples' `histories` — or taken from `fitted`.
    init(raw: RawDataset, itemJoin: ItemColumnJoin?, options: DataOptions, order: [Int32], histories: [Range<Int>], training: [Bool],
         fitted: FittedSequence?, population fittedStatistics: PopulationStatistics?, seenCounts: [Double]?) throws(DatasetError) {
        let events = raw.events
        let itemFloats = itemJoin?.floatColumns ?? []
        let population = options.populationFeatures && events.hasColumn("item_id")
            ? PopulationFeatures.names(eventFloatColumns: options.eventFloatColumns) : []
        names = options.eventFloatColumns + itemFloats.map { ItemColumnJoin.fieldName($0.name) } + population
        length = options.maxLength
        standardizers = [Standardizer?](repeating: nil, count: names.count)
        var eventValues: [[Double]] = []
        for (f, name) in options.eventFloatColumns.enumerated() {
            guard let c = events.column(name), let values = c.floatValues else {
                throw .missingColumn(file: events.file, column: name, hint: "It is listed in the config's event float columns and must be :float.")
            }
            let standardize = try fitted?.standardizer(name, file: events.file)
                ?? Standardizer(values: histories.indices.lazy.filter { training[$0] }.flatMap { histories[$0] }.map { values[Int(order[$0])] })
            standardizers[f] = standardize
            namedStandardizers[name] = standardize
            eventValues.append(values)
        }
        self.eventValues = eventValues
        var itemColumns: [(column: Column, standardize: Standardizer)] = []
        for c in itemFloats {
            let name = ItemColumnJoin.fieldName(c.name)
            let standardize = try fitted?.standardizer(name, file: raw.items!.file)
                ?? itemJoin!.standardizer(c, order: order, histories: histories, training: training)
            namedStandardizers[name] = standardize
            itemColumns.append((c, standardize))
        }
        self.itemJoin = itemJoin
        self.itemColumns = itemColumns
        fittedPopulation = fitted?.population
        guard !population.isEmpty else { return }
        populationCount = population.count
        if let fit = fitted?.population {
            populationStatistics = fittedStatistics ?? PopulationStatistics(fitted: fit, events: events, sequenceKey: raw.sequenceKey)
            logCount = fit.logCount
            seen = seenCounts ?? fit.count.filter { $0 > 0 }.sorted()
        } else {
            let statistics = PopulationStatistics(events: events, floatColumns: options.eventFloatColumns, order: order, ranges: histories, training: training)
            populationStatistics = statistics
            logCount = PopulationFeatures.logCountStandardizer(statistics)
            seen = statistics.count.filter { $0 > 0 }.sorted()
        }
    }

    /// What a run saves of the population statistics fitted here (`events` with its sequence key,
    /// `event_type`, `item_id` and `timestamp` values, for the counted events' identities — or
    /// those identities already taken, `countedEvents`).
    mutating func fitPopulation(events: AtomicTable, sequenceKey: String, countedEvents: String? = nil) {
        guard let statistics = populationStatistics, fittedPopulation == nil else { return }
        fittedPopulation = statistics.fitted(events: events, sequenceKey: sequenceKey, logCount: logCount, countedEvents: countedEvents)
    }

    /// Writes the features of the samples whose windows are `histories` into `floats` and the
    /// missing-value marks into `missing` (both `[histories.count × length × width]`, zeroed).
    func write(order: [Int32], histories: [Range<Int>], into floats: inout [Float], missing: inout [UInt8]) {
        for f in eventValues.indices { writeEventColumn(f, order: order, histories: histories, into: &floats, missing: &missing) }
        for k in itemColumns.indices { writeItemColumn(k, order: order, histories: histories, into: &floats, missing: &missing) }
        writePopulation(order: order, histories: histories, into: &floats)
    }

    // The helpers stay out of line: inlined into one function, Swift 6.3's optimizer crashes (SimplifyCFG).
    @inline(never)
    private func writeItemColumn(_ k: Int, order: [Int32], histories: [Range<Int>], into floats: inout [Float], missing: inout [UInt8]) {
        guard let join = itemJoin else { return }
        let f = eventValues.count + k, column = itemColumns[k].column
        join.write(column, standardized: itemColumns[k].standardize, feature: f, width: width, length: length, order: order, histories: histories,
                   into: &floats)
        join.markMissing(column, feature: f, width: width, length: length, order: order, histories: histories, into: &missing)
    }

    @inline(never)
    private func writePopulation(order: [Int32], histories: [Range<Int>], into floats: inout [Float]) {
        guard let statistics = populationStatistics else { return }
        PopulationFeatures.write(statistics: statistics, logCount: logCount, seen: seen, order: order, histories: histories,
                                 length: length, width: width, first: width - populationCount, into: &floats)
    }

    /// Feature `f`, the events.csv float column `f`, standardised; its missing values marked.
    @inline(never)
    private func writeEventColumn(_ f: Int, order: [Int32], histories: [Range<Int>], into floats: inout [Float], missing: inout [UInt8]) {
        let values = eventValues[f], standardize = standardizers[f]!, width = width, length = length
        floats.withUnsafeMutableBufferPointer { out in
            missing.withUnsafeMutableBufferPointer { marks in
                SequenceFeatures.forEachWindowEvent(histories, length: length, width: width, feature: f) { p, k in
                    let v = values[Int(order[p])]
                    out[k] = standardize(v)
                    if !v.isFinite { marks[k] = 1 }
                }
            }
        }
    }

    /// The fitted sequence inputs, with the token fields' `vocabularies` and the bucket edges.
    func fitted(vocabularies: [String: [String]], edges: [[Float]], ranges: [[ClosedRange<Float>]]) -> FittedSequence {
        FittedSequence(vocabularies: vocabularies, floatStandardizers: namedStandardizers, population: fittedPopulation,
                       floatEdges: edges, floatBucketRanges: ranges.map { $0.map { [$0.lowerBound, $0.upperBound] } })
    }
}
