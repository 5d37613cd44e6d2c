/// The small part of a `PreparedDataset` — names, vocabularies, statistics, the report — that a
/// cache keeps in its manifest beside the per-sample columns.
public struct PreparedFacts: Codable, Sendable {
    public struct TokenField: Codable, Sendable {
        var name: String
        var size: Int
        var tokens: [String]?
    }
    public struct Sequence: Codable, Sendable {
        var maxLength: Int
        var tokenFields: [TokenField]
        var floatNames: [String]
        var floatEdges: [[Float]]
        var floatBucketRanges: [[[Float]]]
        var floatStandardizers: [Standardizer?]
        var hasFloatMissing: Bool
    }
    public struct Table: Codable, Sendable {
        var floatNames: [String]
        var categoricalNames: [String]
        var categoricalSizes: [Int]
        var categoricalTokens: [[String]]
        var ignoredColumns: [String]
        var quantileEdges: [[Float]]
        var fit: FittedTable
    }
    /// The distinct images samples point at (a sample's `image_slot` indexes `paths`), decoded,
    /// resized and normalised into the `images` column; `failed` slots could not be decoded.
    public struct Images: Codable, Sendable {
        public struct Failure: Codable, Sendable { var slot: Int; var reason: String }
        var size: Int
        var paths: [String]
        var failed: [Failure]
    }

    var folder: String
    var labelsFile: String
    var sampleCount: Int
    var anomalyClassNames: [String]
    var splitStrategy: String
    var labelled: Bool
    var report: PreparationReport
    var fitted: FittedPreprocessing?
    var sequence: Sequence
    var profile: Table?
    var attributes: Table?
    var images: Images?

    /// `hasFloatMissing`: whether the cache has a `sequence.float_missing` column.
    init(_ d: PreparedDataset, images: Images?, hasFloatMissing: Bool) {
        folder = d.folder; labelsFile = d.labelsFile; sampleCount = d.sampleCount
        anomalyClassNames = d.anomalyClassNames; splitStrategy = d.splitStrategy.rawValue; labelled = d.labelled
        report = d.report; fitted = d.fitted
        let s = d.sequence
        sequence = Sequence(maxLength: s.maxLength, tokenFields: s.tokenFields.map { TokenField(name: $0.name, size: $0.size, tokens: $0.tokens) },
                            floatNames: s.floatNames, floatEdges: s.floatEdges,
                            floatBucketRanges: s.floatBucketRanges.map { $0.map { [$0.lowerBound, $0.upperBound] } },
                            floatStandardizers: s.floatStandardizers, hasFloatMissing: hasFloatMissing)
        func table(_ t: TabularFeatures?) -> Table? {
            t.map { Table(floatNames: $0.floatNames, categoricalNames: $0.categoricalNames, categoricalSizes: $0.categoricalSizes,
                          categoricalTokens: $0.categoricalTokens, ignoredColumns: $0.ignoredColumns, quantileEdges: $0.quantileEdges, fit: $0.fit) }
        }
        profile = table(d.profile); attributes = table(d.attributes)
        self.images = images
    }
}

extension SequenceFeatures {
    /// The sequence features of `facts` with `lengths` in memory and every per-event array left
    /// on disk (empty here; `CachedColumns` reads their rows).
    init(facts s: PreparedFacts.Sequence, lengths: [Int32]) {
        self.init(maxLength: s.maxLength, lengths: lengths,
                  tokenFields: s.tokenFields.map { TokenField(name: $0.name, size: $0.size, values: [], tokens: $0.tokens) },
                  floatNames: s.floatNames, floats: [], floatEdges: s.floatEdges,
                  floatBucketRanges: s.floatBucketRanges.map { $0.map { $0[0]...$0[1] } }, floatStandardizers: s.floatStandardizers, floatMissing: [])
    }
}

extension TabularFeatures {
    /// The table of `facts` with `present` in memory and its rows left on disk.
    init(facts t: PreparedFacts.Table, present: [Bool]) {
        floatNames = t.floatNames; floats = []
        categoricalNames = t.categoricalNames; categoricalSizes = t.categoricalSizes; categoricalTokens = t.categoricalTokens
        categorical = []
        self.present = present
        ignoredColumns = t.ignoredColumns; quantileEdges = t.quantileEdges; fit = t.fit
    }
}
