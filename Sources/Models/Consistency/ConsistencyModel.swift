import Tensor
import NN
import Datasets
import Support

/// Consistency heads with encoders of their own, trained on consistency losses alone (no
/// anomaly labels). Cross-fitting trains several of these on parts of the training split so
/// that every training sample's surprise comes from heads that never saw it.
public final class ConsistencyModel: Module {
    public let modalities: [Modality]
    public let encoders: [any ModalityEncoder]
    public let heads: [ConsistencyHead]

    /// Builds encoders (from `model.encoders`) for the heads' source modalities, then the heads
    /// (`headHidden` widths, `headDropout`: the fit's own options).
    public init(specs: [ConsistencyHeadSpec], model options: ModelOptions, headHidden: [Int], headDropout: Float, schema: DatasetSchema,
                seed: UInt64) throws(ConfigError) {
        var generator = RandomGenerator(seed: seed)
        let dimension = options.dimension
        modalities = Set(specs.flatMap(\.sourceModalities)).sorted()
        let context = EncoderContext(schema: schema, dimension: dimension)
        var encoders: [any ModalityEncoder] = []
        for m in modalities { encoders.append(try EncoderRegistry.build(m, options: options, context: context, generator: &generator)) }
        self.encoders = encoders
        heads = specs.map {
            ConsistencyHead(spec: $0, embeddingSize: dimension, hidden: headHidden, dropout: headDropout, generator: &generator)
        }
    }

    public var children: [(String, any Module)] {
        zip(modalities, encoders).map { ("encoders.\($0.0.rawValue)", $0.1 as any Module) } + heads.map { ("heads.\($0.spec.name)", $0 as any Module) }
    }

    /// Every head's output on a batch (nil for a head that judged no row), and the summed loss.
    public func callAsFunction(_ batch: Batch) -> (loss: Tensor?, heads: [ConsistencyHeadOutput?]) {
        let mask = batch.modalityMask.pointer, all = Modality.allCases.count, b = batch.size
        let modalityMask = batch.modalityMask
        var embeddings: [Modality: Tensor] = [:]
        for (m, encoder) in zip(modalities, encoders) where (0..<b).contains(where: { mask[$0 * all + m.index] != 0 }) {
            embeddings[m] = encoder(batch).embedding
        }
        var loss: Tensor?
        let outputs: [ConsistencyHeadOutput?] = heads.map { head in
            guard head.spec.sourceModalities.allSatisfy({ embeddings[$0] != nil }) else { return nil }
            let out = head(embeddings, batch: batch, mask: modalityMask)
            if let l = out?.loss { loss = loss.map { $0 + l } ?? l }
            return out
        }
        return (loss, outputs)
    }
}
