/// The four kinds of data FusionLab fuses, in their fixed token order.
public enum Modality: String, Sendable, CaseIterable, Codable, Comparable {
    case sequence, profile, attributes, image

    public var index: Int { Modality.allCases.firstIndex(of: self)! }
    public static func < (a: Modality, b: Modality) -> Bool { a.index < b.index }
}

/// What a model built for a dataset needs to know about it: vocabulary sizes and widths.
/// Saved beside checkpoints so a model can be rebuilt to score new data.
public struct DatasetSchema: Sendable, Equatable, Codable {
    public struct TokenField: Sendable, Equatable, Codable {
        public var name: String
        public var size: Int
        public init(name: String, size: Int) { self.name = name; self.size = size }
    }
    public struct Tabular: Sendable, Equatable, Codable {
        public var floatNames: [String]
        public var categorical: [TokenField]
        /// Training-split quantiles of each float column (see `TabularFeatures.quantileEdges`).
        public var quantileEdges: [[Float]]?
        public init(floatNames: [String], categorical: [TokenField], quantileEdges: [[Float]]? = nil) {
            self.floatNames = floatNames; self.categorical = categorical; self.quantileEdges = quantileEdges
        }
    }
    public var sequenceLength: Int
    public var sequenceTokens: [TokenField]
    public var sequenceFloats: [String]
    /// Per `sequenceFloats` entry, the bucket edges of per-event consistency targets (see
    /// `SequenceFeatures.bucketEdges`); nil in schemas saved before they existed.
    public var sequenceFloatEdges: [[Float]]?
    public var profile: Tabular?
    public var attributes: Tabular?
    /// Height = width of the images fed to the image encoder; nil when the dataset has none.
    public var imageSize: Int?
    public var anomalyClasses: [String]

    /// Modalities the dataset can provide.
    public var available: [Modality] {
        var m: [Modality] = [.sequence]
        if profile != nil { m.append(.profile) }
        if attributes != nil { m.append(.attributes) }
        if imageSize != nil { m.append(.image) }
        return m
    }

    public init(sequenceLength: Int, sequenceTokens: [TokenField], sequenceFloats: [String], profile: Tabular?,
                attributes: Tabular?, imageSize: Int?, anomalyClasses: [String], sequenceFloatEdges: [[Float]]? = nil) {
        self.sequenceLength = sequenceLength; self.sequenceTokens = sequenceTokens; self.sequenceFloats = sequenceFloats
        self.profile = profile; self.attributes = attributes; self.imageSize = imageSize; self.anomalyClasses = anomalyClasses
        self.sequenceFloatEdges = sequenceFloatEdges
    }
}

extension PreparedDataset {
    /// The schema of this dataset, given the image size the run uses (nil: no images).
    public func schema(imageSize: Int?) -> DatasetSchema {
        // A table with nothing but its id (an id-only users.csv) gives the model nothing to
        // encode: the modality is absent, so the model leaves it out with a note.
        func tabular(_ t: TabularFeatures?) -> DatasetSchema.Tabular? {
            guard let t, !t.floatNames.isEmpty || !t.categoricalNames.isEmpty else { return nil }
            return .init(floatNames: t.floatNames, categorical: zip(t.categoricalNames, t.categoricalSizes).map { .init(name: $0.0, size: $0.1) },
                         quantileEdges: t.quantileEdges)
        }
        let hasImages = imagePaths.contains { $0 != nil }
        return DatasetSchema(
            sequenceLength: sequence.maxLength,
            sequenceTokens: sequence.tokenFields.map { .init(name: $0.name, size: $0.size) },
            sequenceFloats: sequence.floatNames, profile: tabular(profile), attributes: tabular(attributes),
            imageSize: hasImages ? imageSize : nil, anomalyClasses: anomalyClassNames, sequenceFloatEdges: sequence.floatEdges)
    }
}
