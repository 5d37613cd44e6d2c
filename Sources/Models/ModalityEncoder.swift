import Tensor
import NN
import Datasets
import Support

/// What an encoder returns: a `[B, d]` embedding, and optionally per-token weights `[B, L]`
/// (attention pooling over events) for explanations.
public struct EncoderOutput {
    public var embedding: Tensor
    public var tokenWeights: Tensor?
    public init(embedding: Tensor, tokenWeights: Tensor? = nil) { self.embedding = embedding; self.tokenWeights = tokenWeights }
}

/// An encoder of one modality: a batch goes in, an embedding comes out.
/// A new encoder is one conforming type plus one `EncoderDefinition` in `EncoderRegistry`.
public protocol ModalityEncoder: Module {
    var modality: Modality { get }
    var outputSize: Int { get }
    func callAsFunction(_ batch: Batch) -> EncoderOutput
}

/// Everything an encoder builder may use.
public struct EncoderContext {
    public var schema: DatasetSchema
    /// The shared embedding width `d` of the model.
    public var dimension: Int
    public init(schema: DatasetSchema, dimension: Int) { self.schema = schema; self.dimension = dimension }
}

/// An encoder type's options, decoded once from its validated config section.
public protocol EncoderOptions: Codable, Sendable {}

/// A registered encoder: its config name, the modality it encodes, its options (schema fields
/// and the typed struct they decode into) and a builder that reads only the typed struct.
public struct EncoderDefinition: Sendable {
    public var name: String
    public var modality: Modality
    public var doc: String
    public var fields: [ConfigField]
    /// The one place this encoder's validated options are read.
    public var decode: @Sendable (_ section: JSONValue) -> any EncoderOptions
    public var build: @Sendable (_ options: any EncoderOptions, _ context: EncoderContext, _ generator: inout RandomGenerator) -> any ModalityEncoder
    /// A problem no single field can state (heads that must divide the model width), as (key, message).
    public var problem: @Sendable (_ options: any EncoderOptions, _ context: EncoderContext) -> (key: String, message: String)?

    public init<Options: EncoderOptions>(name: String, modality: Modality, doc: String, fields: [ConfigField], options: Options.Type,
                                         problem: (@Sendable (Options, EncoderContext) -> (key: String, message: String)?)? = nil,
                                         build: @escaping @Sendable (Options, EncoderContext, inout RandomGenerator) -> any ModalityEncoder) {
        self.name = name; self.modality = modality; self.doc = doc; self.fields = fields
        decode = { ConfigDecoding.decode(Options.self, from: $0) }
        // The registry pairs each definition with options it decoded itself, so the cast holds.
        self.build = { o, context, g in build(o as! Options, context, &g) }
        self.problem = { o, context in problem?(o as! Options, context) }
    }
}
