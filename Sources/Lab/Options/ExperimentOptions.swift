import Datasets
import Support

/// A validated experiment config decoded once into typed sections. Below this point nothing
/// reads the config by key; the JSON itself travels on only as what a run folder records
/// (`config.json`) and as the `model` section the model registries build from.
public struct ExperimentOptions: Sendable {
    public var name: String
    public var seeds: [Int]
    public var threads: Int?
    public var dataPath: String
    /// `data.cache`: a folder `fusionlab prepare` wrote, read instead of `dataPath`'s tables.
    public var dataCache: PreparedCacheOptions?
    public var generate: GenerateOptions?
    public var data: DataOptions
    public var folds: Int?
    public var images: ImageOptions
    public var training: TrainingOptions
    public var evaluation: EvaluationOptions
    public var output: OutputOptions
    public var fit: ConsistencyFitOptions
    public var evidence: EvidenceOptions
    public var modelTypeHeadWeight: Double
    public var consistencyJointWeight: Double
    public var modalities: [Modality]
    /// Model selection over the variants on validation (`select`); nil: none.
    public var selection: ModelSelection?

    public struct GenerateOptions: Codable, Sendable, Hashable {
        public var preset: String
        public var seed: Int
    }

    public struct OutputOptions: Codable, Sendable, Hashable {
        public var directory: String
        public var saveCheckpoints: Bool
    }

    public init(_ config: JSONValue) {
        name = config.string("name")
        seeds = config.ints("seeds")
        threads = config["threads"]?.intValue
        let data = config["data"]!
        dataPath = data.string("path")
        dataCache = data["cache"].flatMap(\.stringValue).map { PreparedCacheOptions(path: $0, data: data) }
        generate = data["generate"].flatMap { $0 == .null ? nil : ConfigDecoding.decode(GenerateOptions.self, from: $0) }
        self.data = DataOptions(config: data)
        folds = data["split"]?["folds"]?.intValue
        images = ConfigDecoding.decode(ImageOptions.self, from: data["images"]!)
        training = ConfigDecoding.decode(TrainingOptions.self, from: config["training"]!)
        evaluation = ConfigDecoding.decode(EvaluationOptions.self, from: config["evaluation"]!)
        output = ConfigDecoding.decode(OutputOptions.self, from: config["output"]!)
        selection = config["select"].flatMap { select -> ModelSelection? in
            guard select != .null else { return nil }
            let ablation = select["ablate"].flatMap { a -> ModelSelection.Ablation? in
                a == .null ? nil : ModelSelection.Ablation(modes: a.strings("mode").compactMap(AblationMode.init(rawValue:)),
                                                           masked: a.bool("masked"), seeds: a["seeds"]?.arrayValue?.compactMap(\.intValue))
            }
            return ModelSelection(metric: select.string("metric"), ablation: ablation)
        }
        let model = config["model"]!
        fit = ConfigDecoding.decode(ConsistencyFitOptions.self, from: model["consistency"]!)
        evidence = ConfigDecoding.decode(EvidenceOptions.self, from: model["consistency"]!)
        modelTypeHeadWeight = model["anomaly_type_head"]!.double("weight")
        consistencyJointWeight = model["consistency"]!.double("joint_weight")
        modalities = model.strings("modalities").compactMap(Modality.init(rawValue:))
    }
}

extension DataOptions {
    /// The `data` section's preparation options (the fold is set per run).
    init(config data: JSONValue) {
        self.init()
        maxLength = data.int("max_length")
        minFrequency = data.int("min_frequency")
        itemHashBuckets = data["item_hash_buckets"]?.intValue
        gapBuckets = data.int("gap_buckets")
        eventTokenColumns = data.strings("event_token_columns")
        eventFloatColumns = data.strings("event_float_columns")
        eventItemColumns = data["event_item_columns"].flatMap { $0 == .null ? nil : $0.arrayValue?.compactMap(\.stringValue) }
        populationFeatures = data.bool("population_features")
        missingEntityPolicy = MissingEntityPolicy(rawValue: data.string("missing_entities"))!
        itemCategoryColumn = data.string("item_category_column")
        let split = data["split"]!
        self.split = SplitStrategy(rawValue: split.string("strategy"))!
        fractions = SplitFractions(train: split.double("train"), valid: split.double("valid"), test: split.double("test"))
        seed = UInt64(split.int("seed"))
    }
}
