/// The `training` section, decoded once (see `ExperimentSchema.training` for each key's meaning).
public struct TrainingOptions: Codable, Sendable, Hashable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerOptions
    public var schedule: ScheduleOptions
    /// `training.clip_norm`; 0 means no clipping (see `maxGradientNorm`).
    public var clipNorm: Double
    public var imbalance: Imbalance
    public var focal: FocalOptions
    public var earlyStopping: EarlyStoppingOptions
    public var logEvery: Int
    public var pruning: PruningOptions
    /// What the run learns from: anomaly labels, none, or a labelled fraction (`LabelObjective`).
    public var objective: LabelObjective
    /// `training.label_fraction`: the share of training samples whose labels `semi_supervised` reads.
    public var labelFraction: Double
    /// `training.label_strata`: what the labelled fraction is stratified by.
    public var labelStrata: LabelStrata
    /// `training.contamination`: the expected anomaly share; a label-free threshold is the
    /// (1 − contamination) quantile of the training scores.
    public var contamination: Double
    /// `training.next_event_model`: which next-event model a self-supervised component uses.
    public var nextEventModel: NextEventModelChoice
    /// `training.combination`: how the self-supervised columns become one score.
    public var combination: SelfSupervisedScores.CombinationRule
    /// `training.pretrained_encoders`: a neural semi-supervised run starts its image and
    /// attributes encoders from an image–attributes alignment model fitted without labels.
    public var pretrainedEncoders: Bool

    /// The global gradient norm steps are clipped to, or nil when `clip_norm` is 0 (off).
    public var maxGradientNorm: Double? { clipNorm > 0 ? clipNorm : nil }

    /// `training.objective`.
    public enum LabelObjective: String, Codable, Sendable, CaseIterable {
        case supervised, selfSupervised = "self_supervised", semiSupervised = "semi_supervised"
    }

    /// `training.label_strata`: the labelled fraction drawn within each value of the full label
    /// (normal or an anomaly type; the default), or within each class alone (`LabelFraction.sample`).
    public enum LabelStrata: String, Codable, Sendable, CaseIterable {
        case anomalyType = "anomaly_type", labelClass = "class"

        /// The default: the schema's, and the one a run outside semi_supervised may not change.
        public static let standard = LabelStrata.anomalyType
    }

    /// `training.next_event_model`: the learned or the first-order model, or (`auto`) the one
    /// that predicts the validation split's events better.
    public enum NextEventModelChoice: String, Codable, Sendable, CaseIterable {
        case auto, learned, firstOrder = "first_order"
    }

    public enum Imbalance: String, Codable, Sendable, CaseIterable {
        case posWeight = "pos_weight", focal, balancedSampling = "balanced_sampling", none
    }

    public struct ScheduleOptions: Codable, Sendable, Hashable {
        public var warmupFraction: Double
        public var decay: String
        public var minRatio: Double
    }

    public struct FocalOptions: Codable, Sendable, Hashable {
        public var alpha: Double
        public var gamma: Double
    }

    public struct EarlyStoppingOptions: Codable, Sendable, Hashable {
        /// A registered metric that may stop early (`MetricRegistry.earlyStoppingChoices`), or `loss`.
        public var metric: String
        public var patience: Int
    }
}

/// `training.optimizer`: one case per `type`, each with its own options.
public enum OptimizerOptions: Codable, Sendable, Hashable {
    case adamw(lr: Double, weightDecay: Double, beta1: Double, beta2: Double)
    case sgd(lr: Double, momentum: Double, weightDecay: Double)

    public var learningRate: Double {
        switch self { case let .adamw(lr, _, _, _), let .sgd(lr, _, _): lr }
    }

    private enum Key: String, CodingKey { case type, lr, weightDecay, beta1, beta2, momentum }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        switch try c.decode(String.self, forKey: .type) {
        case "sgd":
            self = .sgd(lr: try c.decode(Double.self, forKey: .lr), momentum: try c.decode(Double.self, forKey: .momentum),
                        weightDecay: try c.decode(Double.self, forKey: .weightDecay))
        case "adamw":
            self = .adamw(lr: try c.decode(Double.self, forKey: .lr), weightDecay: try c.decode(Double.self, forKey: .weightDecay),
                          beta1: try c.decode(Double.self, forKey: .beta1), beta2: try c.decode(Double.self, forKey: .beta2))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown optimizer \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case let .adamw(lr, weightDecay, beta1, beta2):
            try c.encode("adamw", forKey: .type); try c.encode(lr, forKey: .lr); try c.encode(weightDecay, forKey: .weightDecay)
            try c.encode(beta1, forKey: .beta1); try c.encode(beta2, forKey: .beta2)
        case let .sgd(lr, momentum, weightDecay):
            try c.encode("sgd", forKey: .type); try c.encode(lr, forKey: .lr); try c.encode(momentum, forKey: .momentum)
            try c.encode(weightDecay, forKey: .weightDecay)
        }
    }
}
