import Datasets
import Support

/// The `model` section decoded once: the encoders' and fusion's options through their
/// registries' typed structs, the rest into plain fields. Model builders read only this.
public struct ModelOptions: Sendable {
    /// The classical model `model.type` names, with its decoded options; nil for the neural model.
    public var classical: ClassicalChoice?
    /// Classical models also read the consistency heads' out-of-fold surprises (the hybrid).
    public var classicalReadsSurprises: Bool
    public var dimension: Int
    /// As configured (those the dataset lacks are left out when the model is built).
    public var modalities: [Modality]
    public var encoders: [Modality: EncoderChoice]
    public var fusion: FusionChoice
    public var modalityDropout: Double
    public var anomalyTypeHead: AnomalyTypeHeadOptions
    public var consistency: ConsistencySection

    /// A registered encoder with its decoded options.
    public struct EncoderChoice: Sendable {
        public var definition: EncoderDefinition
        public var options: any EncoderOptions
    }

    /// A registered classical model with its decoded options.
    public struct ClassicalChoice: Sendable {
        public var definition: ClassicalModelDefinition
        public var options: any ClassicalModelOptions

        /// The model, built for a run's seed and thread count.
        public func build(seed: UInt64, threads: Int) -> any ClassicalModel { definition.build(options, seed, threads) }
    }

    /// A registered fusion with its decoded options.
    public struct FusionChoice: Sendable {
        public var definition: FusionDefinition
        public var options: any FusionOptions
    }

    public struct AnomalyTypeHeadOptions: Codable, Sendable, Hashable {
        public var enabled: Bool
        public var weight: Double
    }

    /// What the model itself reads of `model.consistency` (the fits' options are Lab's).
    public struct ConsistencySection: Codable, Sendable, Hashable {
        public var surpriseInput: Bool
        public var jointWeight: Double
        public var hidden: [Int]
        public var dropout: Double
        public var evidenceHidden: [Int]
        public var evidenceCombine: EvidenceCombination
        /// The declared heads, in config order (`heads` is a map; its order is kept apart).
        public var heads: [HeadDeclaration] = []

        private enum CodingKeys: String, CodingKey { case surpriseInput, jointWeight, hidden, dropout, evidenceHidden, evidenceCombine }
    }

    /// One `model.consistency.heads.<name>` entry.
    public struct HeadDeclaration: Codable, Sendable, Hashable {
        public var name: String = ""
        public var from: [String]
        public var predict: String
        public var enabled: Bool

        private enum CodingKeys: String, CodingKey { case from, predict, enabled }
    }

    /// Decodes a validated `model` section (see `ModelSchema.section`).
    public init(section: JSONValue) {
        let type = section.string("type")
        classical = type == "neural" ? nil : ClassicalModelRegistry.definition(type).map { definition in
            ClassicalChoice(definition: definition, options: definition.decode(section[type]!))
        }
        classicalReadsSurprises = section["classical_inputs"]!.bool("consistency_surprises")
        dimension = section.int("dimension")
        modalities = section.strings("modalities").compactMap(Modality.init(rawValue:))
        var encoders: [Modality: EncoderChoice] = [:]
        for m in Modality.allCases {
            guard let options = section["encoders"]?[m.rawValue], let type = options["type"]?.stringValue,
                  let definition = EncoderRegistry.definition(type, for: m) else { preconditionFailure("model.encoders.\(m.rawValue) is not validated") }
            encoders[m] = EncoderChoice(definition: definition, options: definition.decode(options))
        }
        self.encoders = encoders
        guard let fusionSection = section["fusion"], let type = fusionSection["type"]?.stringValue,
              let fusion = FusionRegistry.definition(type) else { preconditionFailure("model.fusion is not validated") }
        self.fusion = FusionChoice(definition: fusion, options: fusion.decode(fusionSection))
        modalityDropout = section.double("modality_dropout")
        anomalyTypeHead = ConfigDecoding.decode(AnomalyTypeHeadOptions.self, from: section["anomaly_type_head"]!)
        let consistencySection = section["consistency"]!
        consistency = ConfigDecoding.decode(ConsistencySection.self, from: consistencySection)
        consistency.heads = (consistencySection["heads"]?.objectPairs ?? []).map { name, entry in
            var head = ConfigDecoding.decode(HeadDeclaration.self, from: entry)
            head.name = name
            return head
        }
    }
}
