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

/// A registered encoder: its config name, the modality it encodes, its options and a builder.
public struct EncoderDefinition: Sendable {
    public var name: String
    public var modality: Modality
    public var doc: String
    public var fields: [ConfigField]
    public var build: @Sendable (_ options: JSONValue, _ context: EncoderContext, _ generator: inout RandomGenerator) -> any ModalityEncoder

    public init(name: String, modality: Modality, doc: String, fields: [ConfigField],
                build: @escaping @Sendable (JSONValue, EncoderContext, inout RandomGenerator) -> any ModalityEncoder) {
        self.name = name; self.modality = modality; self.doc = doc; self.fields = fields; self.build = build
    }
}
