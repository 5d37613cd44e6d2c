import Tensor
import NN
import Datasets
import Support

/// What one consistency head reads and predicts, resolved against a dataset.
public struct ConsistencyHeadSpec: Sendable, Hashable {
    public var name: String
    /// Modalities whose encoder embeddings the head reads.
    public var sourceModalities: [Modality]
    /// Token columns the head embeds itself (`attributes.brand`), as (modality, column, name, size).
    public var sourceFields: [SourceField]
    public var target: ConsistencyTarget

    public struct SourceField: Sendable, Hashable {
        public var modality: Modality
        public var column: Int
        public var name: String
        public var size: Int
    }

    /// The surprise columns the head gives (see `SurpriseColumn`): one, or for a per-event target
    /// the mean and the maximum over the sample's judged events.
    public var surpriseColumns: [String] { target.isPerEvent ? [name, name + ".max"] : [name] }

    /// Every modality the head needs: when any is masked for a sample, the head skips it.
    public var modalities: Set<Modality> {
        Set(sourceModalities).union(sourceFields.map(\.modality)).union([target.modality])
    }

    /// Resolves one `model.consistency.heads.<name>` entry. A head may not read the whole
    /// modality its target belongs to: it would see the answer.
    public static func parse(_ head: ModelOptions.HeadDeclaration, schema: DatasetSchema, path: String) throws(ConfigError) -> ConsistencyHeadSpec {
        let name = head.name
        let target = try ConsistencyTarget.parse(head.predict, schema: schema, path: path + ".predict")
        if target.isPerEvent { return try parseEventHead(head, target: target, schema: schema, path: path) }
        var modalities: [Modality] = [], fields: [SourceField] = []
        for (k, source) in head.from.enumerated() {
            let at = "\(path).from[\(k)]"
            if source.hasPrefix("sequence.events.") {
                throw ConfigError(path: at, message: "\(source) is a field of each event; only a per-event target (sequence.events.<field>) reads event fields")
            }
            if let m = Modality(rawValue: source) {
                guard m != target.modality else {
                    throw ConfigError(path: at, message: "\(m.rawValue) is the modality of the target \(target.path); the head would see the answer. Name its other columns instead (e.g. \(m.rawValue).<column>)")
                }
                guard schema.available.contains(m) else { throw ConfigError(path: at, message: "the dataset has no \(m.rawValue) data") }
                if !modalities.contains(m) { modalities.append(m) }
                continue
            }
            let parts = source.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let m = Modality(rawValue: parts[0]), m == .profile || m == .attributes,
                  let table = m == .profile ? schema.profile : schema.attributes else {
                throw ConfigError(path: at, message: "\"\(source)\" is not a source; write a modality (\(Modality.allCases.map(\.rawValue).joined(separator: ", "))) or a token column such as attributes.brand")
            }
            guard let column = table.categorical.firstIndex(where: { $0.name == parts[1] }) else {
                throw ConfigError(path: at, message: "\(m.rawValue) has no token column \"\(parts[1])\"; it has \(table.categorical.map(\.name).joined(separator: ", "))")
            }
            guard target.path != source else { throw ConfigError(path: at, message: "the head would read its own target \(source)") }
            fields.append(SourceField(modality: m, column: column, name: parts[1], size: table.categorical[column].size))
        }
        guard !modalities.isEmpty || !fields.isEmpty else { throw ConfigError(path: path + ".from", message: "a head needs at least one source") }
        return ConsistencyHeadSpec(name: name, sourceModalities: modalities.sorted(), sourceFields: fields, target: target)
    }

    /// The enabled heads of the model options, resolved against the dataset.
    public static func parseAll(_ heads: [ModelOptions.HeadDeclaration], schema: DatasetSchema) throws(ConfigError) -> [ConsistencyHeadSpec] {
        var specs: [ConsistencyHeadSpec] = []
        for head in heads where head.enabled {
            specs.append(try parse(head, schema: schema, path: "model.consistency.heads.\(head.name)"))
        }
        return specs
    }
}

/// One head's results on a batch.
public struct ConsistencyHeadOutput {
    /// Mean cross-entropy over the judged rows (0 when none).
    public var loss: Tensor
    /// `−log p(target | sources)` per row, in nats (0 where not judged).
    public var surprise: [Float]
    /// Whether the head judged the row (target known, every needed modality present).
    public var judged: [Bool]
    /// The class the head finds likeliest per row (what the sources suggest instead).
    public var likeliest: [Int32]
    /// `[B, classes]` logits over the target's classes (how well the head knows its target);
    /// `[judged events, classes]` for a per-event head.
    public var logits: Tensor
    /// A per-event head's event-level results (nil for other heads).
    public var events: EventSurprises? = nil
}

/// Predicts one field of one modality from other modalities' embeddings (and, optionally, a
/// few token columns it embeds itself) — or, with a per-event target, one field of every event
/// from other fields of that event (`EventConsistencyHead.swift`). Trained on every sample, without anomaly labels; its
/// surprise at the declared value is an explicit, explainable mismatch signal.
public final class ConsistencyHead: Module {
    public let spec: ConsistencyHeadSpec
    public let fieldEmbeddings: [Embedding]
    public let mlp: MLP

    public init(spec: ConsistencyHeadSpec, embeddingSize: Int, fieldDimension: Int = 16, hidden: [Int], dropout: Float,
                generator: inout RandomGenerator) {
        self.spec = spec
        fieldEmbeddings = spec.sourceFields.map { Embedding(count: $0.size, dimension: fieldDimension, generator: &generator) }
        let input = embeddingSize * spec.sourceModalities.count + fieldDimension * spec.sourceFields.count
        mlp = MLP(inputSize: input, hiddenSizes: hidden, outputSize: spec.target.classes, dropout: dropout, generator: &generator)
    }

    public var children: [(String, any Module)] {
        zip(spec.sourceFields, fieldEmbeddings).map { ("fields.\($0.0.modality.rawValue).\($0.0.name)", $0.1 as any Module) } + [("mlp", mlp)]
    }

    /// `embeddings` holds the source modalities' `[B, d]` embeddings; `mask` is `[B, 4]` in
    /// `Modality` order (1 = present). Returns nil when no row can be judged — nothing is
    /// computed then, so masked encoders get no gradient.
    public func callAsFunction(_ embeddings: [Modality: Tensor], batch: Batch, mask modalityMask: Tensor) -> ConsistencyHeadOutput? {
        let b = batch.size, all = Modality.allCases.count
        precondition(modalityMask.shape == [b, all], "the modality mask is [B, \(all)]")
        if spec.target.isPerEvent { return eventOutput(batch: batch, mask: modalityMask) }
        let mask = modalityMask.pointer
        var labels = spec.target.labels(batch)
        let needed = spec.modalities.map(\.index)
        var judged = [Bool](repeating: false, count: b)
        for r in 0..<b where labels[r] >= 0 {
            if needed.allSatisfy({ mask[r * all + $0] != 0 }) { judged[r] = true } else { labels[r] = -1 }
        }
        guard judged.contains(true) else { return nil }
        var parts: [Tensor] = spec.sourceModalities.map { embeddings[$0]! }
        for (field, table) in zip(spec.sourceFields, fieldEmbeddings) {
            guard let c = field.modality == .profile ? batch.profileCategorical : batch.attributeCategorical else { return nil }
            let width = c.shape[1]
            parts.append(table(IndexTensor((0..<b).map { c.values[$0 * width + field.column] }, shape: [b])))
        }
        let logits = mlp(parts.count == 1 ? parts[0] : concat(parts, axis: 1))
        let perRow = softmaxCrossEntropy(logits, labels: labels, ignoreIndex: -1, reduction: .none)   // [B], 0 where ignored
        let count = Float(judged.lazy.filter { $0 }.count)
        let surprise = Array(UnsafeBufferPointer(start: perRow.pointer, count: b))
        let classes = spec.target.classes, z = logits.pointer
        let likeliest = (0..<b).map { r in
            var best = 0
            for c in 1..<classes where z[r * classes + c] > z[r * classes + best] { best = c }
            return Int32(best)
        }
        return ConsistencyHeadOutput(loss: perRow.sum() * (1 / count), surprise: surprise, judged: judged, likeliest: likeliest, logits: logits)
    }
}
