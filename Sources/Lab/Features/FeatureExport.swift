import Foundation
import Datasets
import Models
import Support

public enum FeatureExportError: Error, CustomStringConvertible, Equatable {
    case notFound(path: String)
    case noSuchFold(fold: Int, folds: Int?)

    public var description: String {
        switch self {
        case let .notFound(path):
            "\(path): no such config file or dataset folder (give an experiment config such as Experiments/default.json, or a folder with events.csv and labels.csv)"
        case let .noSuchFold(fold, folds):
            folds.map { "fold \(fold) does not exist: the config has data.split.folds = \($0) (folds 0…\($0 - 1))" }
                ?? "fold \(fold) given, but the config has no data.split.folds"
        }
    }
}

/// `fusionlab features`: per-sample aggregates over exactly the data a run sees — the run's
/// split, each sample's whole visible history (every event of its key at or before its cutoff;
/// the encoder's window is that history's last `max_length` events), profile and target-item
/// rows, the target's picture — so a classical model can be fitted on the same samples. Every
/// feature is derived from the typed schema (per event type, per float or token column, named
/// after the dataset's own columns), none from a particular shop's column names. Leakage rules
/// as in the loader: nothing after a sample's cutoff, and every cross-sample statistic (event
/// types with a column, item means and counts, category z-scores) from the training split only.
/// Deliberately absent: features that relate one modality to another (e.g. "share of events on
/// the profile's device"); learning those is the research model's job.
public enum FeatureExport {
    /// The validated experiment config at `path`, or — when `path` is a dataset folder — the
    /// default config with `data.path` set to it (and no generation). Overrides apply to both.
    public static func config(path: String, overrides: [String]) throws -> JSONValue {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw FeatureExportError.notFound(path: path) }
        guard isDirectory.boolValue else { return try ConfigLoader.load(path: path, overrides: overrides, schema: ExperimentSchema.root) }
        var notes: [String] = []
        let json = try ConfigLoader.apply(overrides: overrides, to: ["name": "features", "data": ["path": .string(path)]],
                                          schema: ExperimentSchema.root, notes: &notes)
        return try ExperimentSchema.root.validate(json, path: "")
    }

    /// The features of the config's dataset (generated first if the config says so), split as
    /// its runs split it; with k-fold cross-validation, the split of `fold` (default 0).
    public static func table(config: JSONValue, fold: Int? = nil, reporter: @escaping (String) -> Void = { print($0) }) throws -> FeatureTable {
        let runner = ExperimentRunner(config: config, reporter: reporter)
        runner.keepSampleEvents = true
        let folds = runner.options.folds
        if let fold, folds.map({ fold < 0 || fold >= $0 }) ?? true { throw FeatureExportError.noSuchFold(fold: fold, folds: folds) }
        let prepared = try runner.dataset(fold: fold ?? (folds != nil ? 0 : nil))
        var features = try runner.featureTable(of: prepared)
        let images = runner.options.images
        let modelOptions = ModelOptions(section: config["model"]!)
        let schema = prepared.schema(imageSize: images.size)
        let seed = runner.seeds.first ?? 0, runFold = fold ?? (folds != nil ? 0 : nil)
        let quiet = ProgressReporter(logPath: nil, logEvery: .max, interactive: false)
        // With consistency heads, their out-of-fold surprises (the first seed's fit, as a run makes it).
        if !modelOptions.consistency.heads.isEmpty {
            _ = try runner.surpriseFeatures(modelOptions: modelOptions, modelConfig: config["model"]!, modalities: schema.available, schema: schema, dataset: prepared,
                                            seed: seed, fold: runFold, reporter: quiet, into: &features)
        }
        // A semi-supervised config's classifier also reads the pre-trained self-supervised columns
        // (`surprise_ssl_*`, fitted without labels on the first seed, as a run fits them): exported
        // too, so a classifier fitted outside FusionLab sees the run's inputs.
        if runner.options.training.objective == .semiSupervised {
            let modalities = modelOptions.modalities.filter { schema.available.contains($0) }
            _ = try runner.appendSelfSupervisedFeatures(modelOptions: modelOptions, modelConfig: config["model"]!, modalities: modalities, schema: schema,
                                                        dataset: prepared, seed: seed, fold: runFold, reporter: quiet, into: &features)
        }
        return features
    }

    /// The features of `prepared` (prepared from `raw` with `DataOptions.keepSampleEvents`, so the
    /// histories are the loader's own, not a re-derivation of its rules). `windowItemColumns`: the
    /// items.csv columns aggregated over each sample's history items, `history_item_<column>_…`
    /// (nil: the columns the run joins to events, `ItemColumnJoin.columnNames`).
    public static func table(raw: RawDataset, prepared: PreparedDataset, imageSize: Int, imagePolicy: MissingImagePolicy,
                             maxImagePixels: Int = ImageLimits.defaultMaxPixels, windowItemColumns: [String]? = nil) throws -> FeatureTable {
        guard let histories = prepared.events else { preconditionFailure("prepare the dataset with DataOptions.keepSampleEvents = true") }
        let training = prepared.roles.map { $0 == .train }
        let category = prepared.options.itemCategoryColumn
        var columns = try HistoryAggregates.columns(events: raw.events, items: raw.items, histories: histories, training: training,
                                                    categoryColumn: category)
        // The recent window the encoder sees, summarised as well: what happened last (a takeover's
        // session, a bot's crawl) is diluted in a long history. Types with a column: those in training windows.
        columns += try HistoryAggregates.columns(events: raw.events, items: raw.items, histories: histories.windowsAsHistories, training: training,
                                                 categoryColumn: category)
            .filter { !["history_length", "last_hour"].contains($0.name) }
            .map { column in var c = column; c.name = "window_" + column.name; return c }
        columns += PopulationAggregates.columns(events: raw.events, histories: histories, training: training)
        columns += TargetAndLastEvent.lastEventColumns(events: raw.events, histories: histories, taken: Set(columns.map(\.name)))
        // Everything so far (and the history's items below) reads the behaviour sequence only.
        if let users = raw.users {
            columns += EntityColumns.columns(users, idColumn: "user_id", prefix: "user_", rows: histories.userRows).map { $0.reading([.profile]) }
        }
        columns.append(TargetAndLastEvent.targetItem(prepared.targetItems).reading([.attributes]))
        if let items = raw.items {
            columns += EntityColumns.columns(items, idColumn: "item_id", prefix: "item_", rows: histories.itemRows).map { $0.reading([.attributes]) }
            columns += EntityColumns.zWithinCategory(items, rows: histories.itemRows, training: training, categoryColumn: category)
                .map { $0.reading([.attributes]) }
            columns += HistoryItemColumns.columns(events: raw.events, items: items, histories: histories,
                                                  itemColumns: windowItemColumns ?? ItemColumnJoin.columnNames(items: items, options: prepared.options))
            if let users = raw.users {
                columns += EntityColumns.targetInProfileLists(users: users, userRows: histories.userRows, items: items, itemRows: histories.itemRows)
                    .map { $0.reading([.profile, .attributes]) }
            }
        }
        columns += try ImageStatistics.columns(folder: prepared.folder, imagePaths: prepared.imagePaths, targetItems: prepared.targetItems,
                                               imageSize: imageSize, policy: imagePolicy, maxPixels: maxImagePixels).map { $0.reading([.image]) }
        return FeatureTable(sampleIDs: prepared.sampleIDs, roles: prepared.roles, labels: prepared.labels,
                            anomalyTypes: prepared.anomalyTypes.map { $0.isEmpty ? "normal" : $0 }, columns: uniquelyNamed(columns))
    }

    /// Names are derived from the dataset's columns, so two can meet (an events.csv float column
    /// `gap` against the time gaps' `gap_mean`): a later duplicate gets `_2`, `_3`, … so the CSV
    /// header stays a valid atomic-file header.
    static func uniquelyNamed(_ columns: [FeatureColumn]) -> [FeatureColumn] {
        var taken = Set<String>()
        return columns.map { column in
            var column = column, k = 2
            let base = column.name
            while taken.contains(column.name) { column.name = "\(base)_\(k)"; k += 1 }
            taken.insert(column.name)
            return column
        }
    }
}

extension ExperimentRunner {
    /// The features of `prepared`, a dataset this runner prepared, from the tables its cache read
    /// to prepare it (not a second read of the files), with the run's image options.
    func featureTable(of prepared: PreparedDataset) throws -> FeatureTable {
        guard let raw = datasetCache?.raw(path: options.dataPath) else { preconditionFailure("the dataset was prepared through this runner's cache") }
        let images = options.images
        return try FeatureExport.table(raw: raw, prepared: prepared, imageSize: images.size, imagePolicy: images.missingPolicy,
                                       maxImagePixels: images.maxPixels)
    }
}
