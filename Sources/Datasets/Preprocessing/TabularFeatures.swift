/// One row of users.csv or items.csv per sample, encoded: standardised floats, then
/// missing-value indicators, then one 0/1 indicator per training token of each `token_seq`
/// column (named `column=token`; through the encoder's first linear layer this is a sum of
/// token embeddings, RecBole's bag of tokens) — `[samples × floatWidth]` — and categorical
/// indices (`[samples × categoricalSizes.count]`).
public struct TabularFeatures: Sendable {
    public var floatNames: [String]
    public var floats: [Float]
    public var categoricalNames: [String]
    public var categoricalSizes: [Int]
    /// Token per index of each categorical column (its training vocabulary).
    public var categoricalTokens: [[String]]
    public var categorical: [Int32]
    /// Whether the sample's row exists (its modality is present).
    public var present: [Bool]
    /// Columns this encoder does not use (`float_seq`), for the run log.
    public var ignoredColumns: [String]
    /// Per entry of `floatNames`: standardised values at `quantileLevels` over training rows, the
    /// bucket edges of consistency targets such as "price given category" (empty for indicators).
    public var quantileEdges: [[Float]]

    /// Levels of `quantileEdges`: finer in the tails, where outliers sit.
    public static let quantileLevels: [Double] = [0.005, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995]

    public var floatWidth: Int { floatNames.count }

    /// What was fitted on training rows (or given): what a run saves to encode new rows alike.
    public var fit: FittedTable

    /// Encodes `rows[i]` (−1 = no row) of `table`, with vocabularies and statistics from the
    /// rows of training samples only — or, given a run's `fitted` encoding, with those (its
    /// columns, in its order, must be in `table`).
    /// `vocabularies`: where the fitted vocabularies over `table`'s interners are kept between calls.
    init(table: AtomicTable, idColumn: String, rows: [Int32], training: [Bool], minFrequency: Int, fitted: FittedTable? = nil,
         vocabularies: FittedVocabularies? = nil) throws(DatasetError) {
        var floatNames: [String] = [], categoricalNames: [String] = [], sizes: [Int] = [], ignored: [String] = []
        var floatColumns: [(Standardizer, [Double], Bool)] = []
        var tokenColumns: [(Vocabulary, [Int32])] = []
        var bagColumns: [(name: String, vocabulary: Vocabulary, offsets: [Int32], ids: [Int32])] = []
        for column in table.columns where column.name != idColumn && column.name != "image" {
            if case .floatSequences = column.values { ignored.append(column.name) }
        }
        if let fitted {
            func require(_ name: String, _ type: ColumnType) throws(DatasetError) -> Column {
                guard let c = table.column(name) else {
                    throw .missingColumn(file: table.file, column: name, hint: "The trained run read it; a dataset to score needs the columns it was trained with.")
                }
                guard c.spec.type == type else {
                    throw .invalid(file: table.file, message: "column \"\(name)\" must be of type \(type.rawValue), as in the trained run's data; found \(c.spec.type.rawValue)")
                }
                return c
            }
            for f in fitted.floats {
                floatColumns.append((f.standardizer, try require(f.name, .float).floatValues!, f.hasMissing))
                floatNames.append(f.name)
            }
            for t in fitted.categorical {
                let c = try require(t.name, .token)
                let vocabulary = vocabularies.vocabulary(table.file + "/" + t.name, tokens: t.tokens, interner: c.tokens)
                tokenColumns.append((vocabulary, c.tokenIDs!))
                categoricalNames.append(t.name)
                sizes.append(vocabulary.size)
            }
            for b in fitted.bags {
                let c = try require(b.name, .tokenSequence)
                guard case let .tokenSequences(offsets, ids) = c.values else { continue }
                bagColumns.append((b.name, vocabularies.vocabulary(table.file + "/" + b.name, tokens: b.tokens, interner: c.tokens), offsets, ids))
            }
        } else {
            for column in table.columns where column.name != idColumn && column.name != "image" {
                switch column.values {
                case let .floats(values):
                    let trainingValues = rows.indices.lazy.filter { training[$0] && rows[$0] >= 0 }.map { values[Int(rows[$0])] }
                    let hasMissing = trainingValues.contains { !$0.isFinite }
                    floatColumns.append((Standardizer(values: trainingValues), values, hasMissing))
                    floatNames.append(column.name)
                case let .tokens(ids):
                    var counts = [Int](repeating: 0, count: column.tokens.count)
                    for i in rows.indices where training[i] && rows[i] >= 0 {
                        let raw = ids[Int(rows[i])]
                        if raw >= 0 { counts[Int(raw)] += 1 }
                    }
                    let vocabulary = Vocabulary(counts: counts, interner: column.tokens, minFrequency: minFrequency)
                    tokenColumns.append((vocabulary, ids))
                    categoricalNames.append(column.name)
                    sizes.append(vocabulary.size)
                case let .tokenSequences(offsets, ids):
                    var counts = [Int](repeating: 0, count: column.tokens.count)
                    for i in rows.indices where training[i] && rows[i] >= 0 {
                        let r = Int(rows[i])
                        for raw in ids[Int(offsets[r])..<Int(offsets[r + 1])] where raw >= 0 { counts[Int(raw)] += 1 }
                    }
                    bagColumns.append((column.name, Vocabulary(counts: counts, interner: column.tokens, minFrequency: minFrequency), offsets, ids))
                case .floatSequences:
                    break
                }
            }
        }
        let indicatorNames = zip(floatNames, floatColumns).filter { $0.1.2 }.map { $0.0 + ":missing" }
        let bagNames = bagColumns.flatMap { c in c.vocabulary.tokens.dropFirst(Vocabulary.reserved).map { "\(c.name)=\($0)" } }
        let bagStarts = bagColumns.reduce(into: [floatNames.count + indicatorNames.count]) { $0.append($0.last! + $1.vocabulary.size - Vocabulary.reserved) }
        let width = floatNames.count + indicatorNames.count + bagNames.count
        var floats = [Float](repeating: 0, count: rows.count * width)
        var categorical = [Int32](repeating: Vocabulary.missing, count: rows.count * tokenColumns.count)
        for (i, row) in rows.enumerated() where row >= 0 {
            var indicator = floatNames.count
            for (k, (standardize, values, hasMissing)) in floatColumns.enumerated() {
                let v = values[Int(row)]
                floats[i * width + k] = standardize(v)
                if hasMissing {
                    floats[i * width + indicator] = v.isFinite ? 0 : 1
                    indicator += 1
                }
            }
            for (k, (vocabulary, ids)) in tokenColumns.enumerated() {
                categorical[i * tokenColumns.count + k] = vocabulary.index(ofRaw: ids[Int(row)])
            }
            for (k, c) in bagColumns.enumerated() {
                for raw in c.ids[Int(c.offsets[Int(row)])..<Int(c.offsets[Int(row) + 1])] {
                    let index = Int(c.vocabulary.index(ofRaw: raw))
                    if index >= Vocabulary.reserved { floats[i * width + bagStarts[k] + index - Vocabulary.reserved] = 1 }
                }
            }
        }
        // A sample without a row: floats stay 0 (the training mean), indicators 1, tokens <missing>.
        for (i, row) in rows.enumerated() where row < 0 {
            for k in floatNames.count..<bagStarts[0] { floats[i * width + k] = 1 }
        }
        self.floatNames = floatNames + indicatorNames + bagNames
        self.floats = floats
        self.categoricalNames = categoricalNames
        self.categoricalSizes = sizes
        self.categoricalTokens = tokenColumns.map { $0.0.tokens }
        self.categorical = categorical
        self.present = rows.map { $0 >= 0 }
        self.ignoredColumns = ignored
        if let fitted {
            self.quantileEdges = fitted.quantileEdges
        } else {
            var edges: [[Float]] = []
            for k in 0..<floatColumns.count {
                var values = [Float]()
                for (i, row) in rows.enumerated() where training[i] && row >= 0 && floatColumns[k].1[Int(row)].isFinite { values.append(floats[i * width + k]) }
                values.sort()
                edges.append(values.isEmpty ? [] : Self.quantileLevels.map { values[min(values.count - 1, Int($0 * Double(values.count)))] })
            }
            self.quantileEdges = edges + Array(repeating: [], count: indicatorNames.count + bagNames.count)
        }
        self.fit = fitted ?? FittedTable(
            floats: zip(floatNames, floatColumns).map { .init(name: $0.0, standardizer: $0.1.0, hasMissing: $0.1.2) },
            categorical: zip(categoricalNames, tokenColumns).map { .init(name: $0.0, tokens: $0.1.0.tokens) },
            bags: bagColumns.map { .init(name: $0.name, tokens: $0.vocabulary.tokens) }, quantileEdges: quantileEdges)
    }
}

extension TabularFeatures {
    /// A table the dataset to score does not have: every sample without a row (its modality
    /// masked), laid out as the run's `fit`.
    init(absent fit: FittedTable, count n: Int) {
        let indicators = fit.floats.filter(\.hasMissing).map { $0.name + ":missing" }
        let bags = fit.bags.flatMap { b in b.tokens.dropFirst(Vocabulary.reserved).map { "\(b.name)=\($0)" } }
        let width = fit.floats.count + indicators.count + bags.count
        var floats = [Float](repeating: 0, count: n * width)
        for i in 0..<n { for k in fit.floats.count..<(fit.floats.count + indicators.count) { floats[i * width + k] = 1 } }
        self.floatNames = fit.floats.map(\.name) + indicators + bags
        self.floats = floats
        categoricalNames = fit.categorical.map(\.name)
        categoricalSizes = fit.categorical.map(\.tokens.count)
        categoricalTokens = fit.categorical.map(\.tokens)
        categorical = [Int32](repeating: Vocabulary.missing, count: n * fit.categorical.count)
        present = [Bool](repeating: false, count: n)
        ignoredColumns = []
        quantileEdges = fit.quantileEdges
        self.fit = fit
    }
}
