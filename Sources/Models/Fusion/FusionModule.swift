import Tensor
import NN
import Datasets
import Support

/// What a fusion returns: the anomaly logit `[B]`, the fused representation `[B, d]` (for
/// auxiliary heads), and per-sample modality weights `[B, M]` when the fusion has them
/// (exactly 0 for masked modalities).
public struct FusionOutput {
    public var logit: Tensor
    public var fused: Tensor
    public var modalityWeights: Tensor?
}

/// Combines per-modality embeddings (each `[B, d]`, in `modalities` order) under a presence
/// mask `[B, M]` (1 = present). A new fusion is one conforming type plus one
/// `FusionDefinition` in `FusionRegistry`.
public protocol FusionModule: Module {
    var modalities: [Modality] { get }
    /// True when `modalityWeights` are computed from each modality alone, before anything is
    /// mixed, so they can be read as attribution (gates); false for weights read after mixing.
    var weightsAreAttribution: Bool { get }
    func callAsFunction(_ embeddings: [Tensor], mask: Tensor) -> FusionOutput
}

extension FusionModule {
    public var weightsAreAttribution: Bool { false }
}

/// A fusion type's options, decoded once from its validated config section.
public protocol FusionOptions: Codable, Sendable {}

public struct FusionDefinition: Sendable {
    public var name: String
    public var doc: String
    public var fields: [ConfigField]
    /// The one place this fusion's validated options are read.
    public var decode: @Sendable (_ section: JSONValue) -> any FusionOptions
    public var build: @Sendable (_ options: any FusionOptions, _ modalities: [Modality], _ dimension: Int, _ generator: inout RandomGenerator) -> any FusionModule
    /// A problem no single field can state, as (key, message).
    public var problem: @Sendable (_ options: any FusionOptions, _ dimension: Int) -> (key: String, message: String)?

    public init<Options: FusionOptions>(name: String, doc: String, fields: [ConfigField], options: Options.Type,
                                        problem: (@Sendable (Options, Int) -> (key: String, message: String)?)? = nil,
                                        build: @escaping @Sendable (Options, [Modality], Int, inout RandomGenerator) -> any FusionModule) {
        self.name = name; self.doc = doc; self.fields = fields
        decode = { ConfigDecoding.decode(Options.self, from: $0) }
        // The registry pairs each definition with options it decoded itself, so the cast holds.
        self.build = { o, modalities, d, g in build(o as! Options, modalities, d, &g) }
        self.problem = { o, d in problem?(o as! Options, d) }
    }
}

/// The classifier on top of a fused vector: MLP d → hidden… → 1, returned as `[B]`.
func classifierHead(dimension: Int, hidden: [Int], dropout: Float, generator: inout RandomGenerator) -> MLP {
    MLP(inputSize: dimension, hiddenSizes: hidden, outputSize: 1, dropout: dropout, generator: &generator)
}

/// Fields every fusion has.
/// The options every fusion's classifier has (`hidden`, `dropout`); fusions without others use them as is.
public struct ClassifierOptions: FusionOptions {
    public var hidden: [Int]
    public var dropout: Double
}

let classifierFields = [
    ConfigField("hidden", .list(.integer(min: 1)), default: [64], "Hidden widths of the classifier MLP."),
    ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout in the fusion and classifier."),
]
