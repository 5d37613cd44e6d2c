import Tensor
import NN
import Datasets
import Support

/// A table row (user profile or target-item attributes): standardised floats and missing
/// indicators, concatenated with one embedding per categorical column, through an MLP.
/// Profile and attributes each get their own instance (separate parameters).
public final class TabularEncoder: ModalityEncoder {
    public let modality: Modality
    public let embeddings: [(name: String, table: Embedding)]
    public let mlp: MLP
    public let outputSize: Int

    public init(modality: Modality, schema: DatasetSchema.Tabular, dimension: Int, categoricalDimension: Int, hidden: [Int],
                dropout: Float, generator: inout RandomGenerator) {
        self.modality = modality
        embeddings = schema.categorical.map { ($0.name, Embedding(count: $0.size, dimension: categoricalDimension, generator: &generator)) }
        mlp = MLP(inputSize: schema.floatNames.count + categoricalDimension * schema.categorical.count, hiddenSizes: hidden,
                  outputSize: dimension, dropout: dropout, generator: &generator)
        outputSize = dimension
    }

    public var children: [(String, any Module)] {
        embeddings.map { ("embeddings.\($0.name)", $0.table as any Module) } + [("mlp", mlp)]
    }

    public func callAsFunction(_ batch: Batch) -> EncoderOutput {
        let (floats, categorical) = modality == .profile ? (batch.profileFloats, batch.profileCategorical)
                                                        : (batch.attributeFloats, batch.attributeCategorical)
        guard let floats, let categorical else { preconditionFailure("batch has no \(modality) rows") }
        let b = floats.shape[0], columns = embeddings.count
        var parts = [floats]
        for (k, (_, table)) in embeddings.enumerated() {
            let ids = IndexTensor((0..<b).map { categorical.values[$0 * columns + k] }, shape: [b])
            parts.append(table(ids))
        }
        return EncoderOutput(embedding: mlp(parts.count == 1 ? floats : concat(parts, axis: 1)))
    }

    static func definition(_ modality: Modality) -> EncoderDefinition {
        EncoderDefinition(
            name: "mlp", modality: modality, doc: "Floats and categorical embeddings through an MLP.",
            fields: [
                ConfigField("hidden", .list(.integer(min: 1)), default: [64], "Hidden widths of the MLP."),
                ConfigField("categorical_dimension", .integer(min: 1), default: 8, "Embedding width of each categorical column."),
                ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout between MLP layers."),
            ],
            options: Options.self,
            build: { o, context, g in
                let schema = modality == .profile ? context.schema.profile! : context.schema.attributes!
                return TabularEncoder(modality: modality, schema: schema, dimension: context.dimension,
                                      categoricalDimension: o.categoricalDimension, hidden: o.hidden, dropout: Float(o.dropout), generator: &g)
            })
    }

    public struct Options: EncoderOptions {
        public var hidden: [Int]
        public var categoricalDimension: Int
        public var dropout: Double
    }
}
