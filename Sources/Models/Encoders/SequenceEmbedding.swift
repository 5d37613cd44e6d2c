import Tensor
import NN
import Datasets

/// The event embedding shared by every sequence encoder: the sum of one embedding per token
/// field (event type, item, category, time-gap bucket, hour, extra columns), a projection of
/// the extra float features, and a learned position embedding.
public final class SequenceEmbedding: Module {
    public let fields: [(name: String, table: Embedding)]
    public let floatProjection: Linear?
    public let position: Tensor?
    public let dimension: Int

    public init(schema: DatasetSchema, dimension: Int, positions: Bool = true, generator: inout RandomGenerator) {
        fields = schema.sequenceTokens.map { ($0.name, Embedding(count: $0.size, dimension: dimension, paddingIndex: 0, generator: &generator)) }
        // Scale the tables so their sum starts near unit variance, whatever the field count.
        let scale = 1 / Float(max(fields.count, 1)).squareRoot()
        for (_, table) in fields { for i in 0..<table.weight.count { table.weight.pointer[i] *= scale } }
        floatProjection = schema.sequenceFloats.isEmpty ? nil
            : Linear(inputSize: schema.sequenceFloats.count, outputSize: dimension, generator: &generator)
        position = positions ? Tensor(normal: [schema.sequenceLength, dimension], std: 0.02, generator: &generator, requiresGrad: true) : nil
        self.dimension = dimension
    }

    public var parameters: [(String, Tensor)] { position.map { [("position", $0)] } ?? [] }
    public var children: [(String, any Module)] {
        fields.map { ("fields.\($0.name)", $0.table as any Module) } + (floatProjection.map { [("float_projection", $0 as any Module)] } ?? [])
    }

    /// `[B, L, d]` event embeddings.
    public func callAsFunction(_ batch: Batch) -> Tensor {
        var x: Tensor?
        for (name, table) in fields {
            guard let ids = batch.sequenceTokens[name] else { preconditionFailure("batch lacks sequence field \(name)") }
            let e = table(ids)
            x = x.map { $0 + e } ?? e
        }
        if let floatProjection, batch.sequenceFloats.shape[2] > 0 { x = x! + floatProjection(batch.sequenceFloats) }
        if let position { x = x! + position }
        return x!
    }
}
