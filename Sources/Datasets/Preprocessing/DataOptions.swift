/// What to do with events whose user or item has no row in users.csv / items.csv.
public enum MissingEntityPolicy: String, Sendable, CaseIterable {
    case drop, error
}

/// How a raw dataset becomes model inputs. Every field is set from the experiment config.
public struct DataOptions: Sendable {
    /// The most recent events kept per sample.
    public var maxLength = 50
    /// Tokens seen fewer times than this in training become out-of-vocabulary.
    public var minFrequency = 1
    /// When set, item ids are hashed into this many buckets instead of a vocabulary.
    public var itemHashBuckets: Int? = nil
    /// Number of log-spaced time-gap buckets (including padding and "first event").
    public var gapBuckets = 32
    /// Extra events.csv token columns embedded per event (e.g. `device`).
    public var eventTokenColumns: [String] = []
    /// Extra events.csv float columns fed per event, standardised (e.g. `dwell`).
    public var eventFloatColumns: [String] = []
    /// items.csv columns joined to every event through its item, as `item.<column>` fields;
    /// nil = every :token and :float column but the id, category and image, [] = none.
    public var eventItemColumns: [String]? = nil
    /// Per-event population-relative features (`PopulationFeatures`): the item's popularity and
    /// each event float's deviation from the item's mean, from training histories only.
    public var populationFeatures = true
    public var missingEntityPolicy: MissingEntityPolicy = .drop
    /// The token column (of events.csv, else items.csv) that gives each event's category.
    public var itemCategoryColumn = "category_id"
    public var split: SplitStrategy = .auto
    public var fractions = SplitFractions()
    public var fold: (index: Int, count: Int)? = nil
    public var seed: UInt64 = 0
    /// Keep each sample's event window and entity rows (`PreparedDataset.events`).
    public var keepSampleEvents = false

    public init() {}
}
