import Tensor
import NN
import Datasets
import Support

/// The model's outputs for a batch, as typed values.
public struct ModelOutput {
    /// `[B]` anomaly logits.
    public var logit: Tensor
    /// `[B, M]` per-sample modality weights of the fusion (nil for concat), in `modalities` order.
    public var modalityWeights: Tensor?
    /// `[B, d]` per modality.
    public var embeddings: [Modality: Tensor]
    /// `[B, L]` per-event weights of the sequence encoder, when it pools by attention.
    public var eventWeights: Tensor?
    /// `[B, classes]` anomaly-type logits, when the auxiliary head is on.
    public var anomalyTypeLogits: Tensor?
    /// The mask the fusion saw `[B, M]` (after ablation masking and modality dropout).
    public var mask: Tensor
    /// `[B]` the part of `logit` contributed by cross-fitted consistency surprises (nil: none).
    public var consistencyLogit: Tensor?
    /// Summed loss of the jointly trained consistency heads (nil: none judged a row).
    public var consistencyLoss: Tensor?
    /// Jointly trained heads' results, by head name.
    public var consistency: [String: ConsistencyHeadOutput] = [:]
}

/// Encoders for the chosen modalities, a fusion, and optional auxiliary head.
public final class MultimodalModel: RandomStateful {
    public let modalities: [Modality]
    public let encoders: [any ModalityEncoder]
    public let fusion: any FusionModule
    public let anomalyTypeHead: Linear?
    /// Consistency heads trained jointly on this model's embeddings (auxiliary loss).
    public let consistencyHeads: [ConsistencyHead]
    /// Reads the batch's cross-fitted surprises into the logit (nil: not used).
    public let consistencyEvidence: ConsistencyEvidence?
    public let modalityDropout: Float
    public let schema: DatasetSchema
    public private(set) var isTraining = true
    private var generator: RandomGenerator

    public init(modalities: [Modality], encoders: [any ModalityEncoder], fusion: any FusionModule, anomalyTypeHead: Linear?,
                consistencyHeads: [ConsistencyHead] = [], consistencyEvidence: ConsistencyEvidence? = nil,
                modalityDropout: Float, schema: DatasetSchema, generator: inout RandomGenerator) {
        precondition(encoders.map(\.modality) == modalities && fusion.modalities == modalities, "encoders, fusion and modalities disagree")
        self.modalities = modalities
        self.encoders = encoders
        self.fusion = fusion
        self.anomalyTypeHead = anomalyTypeHead
        self.consistencyHeads = consistencyHeads
        self.consistencyEvidence = consistencyEvidence
        self.modalityDropout = modalityDropout
        self.schema = schema
        self.generator = generator.split()
    }

    public var children: [(String, any Module)] {
        zip(modalities, encoders).map { ("encoders.\($0.0.rawValue)", $0.1 as any Module) } + [("fusion", fusion)]
            + (anomalyTypeHead.map { [("anomaly_type_head", $0 as any Module)] } ?? [])
            + consistencyHeads.map { ("consistency.heads.\($0.spec.name)", $0 as any Module) }
            + (consistencyEvidence.map { [("consistency.evidence", $0 as any Module)] } ?? [])
    }

    public func reseed(_ seed: UInt64) { generator = RandomGenerator(seed: seed) }

    public func train(_ training: Bool) {
        isTraining = training
        for (_, c) in children { c.train(training) }
    }

    /// Parameter count per top-level module (`encoders.sequence`, `fusion`, …).
    public var parameterCounts: [(String, Int)] { children.map { ($0.0, $0.1.parameterCount) } }

    public func callAsFunction(_ batch: Batch) -> ModelOutput {
        let b = batch.size
        // The fusion sees only this model's modalities, in order.
        let count = modalities.count, all = Modality.allCases.count
        let mask = Tensor(zeros: [b, count])
        let source = batch.modalityMask.pointer, target = mask.pointer
        for (k, m) in modalities.enumerated() { for r in 0..<b { target[r * count + k] = source[r * all + m.index] } }
        if isTraining && modalityDropout > 0 { applyModalityDropout(mask) }

        var embeddings: [Tensor] = [], byModality: [Modality: Tensor] = [:]
        var eventWeights: Tensor?
        for (k, (m, encoder)) in zip(modalities, encoders).enumerated() {
            let present = (0..<b).contains { target[$0 * count + k] != 0 }
            // A modality masked for the whole batch is not computed: zeros, and no gradient.
            let e: Tensor
            if present {
                let out = encoder(batch)
                e = out.embedding
                if m == .sequence { eventWeights = out.tokenWeights }
            } else {
                e = Tensor(zeros: [b, encoder.outputSize])
            }
            embeddings.append(e)
            byModality[m] = e
        }
        let fused = fusion(embeddings, mask: mask)
        var output = ModelOutput(logit: fused.logit, modalityWeights: fused.modalityWeights, embeddings: byModality,
                                 eventWeights: eventWeights, anomalyTypeLogits: anomalyTypeHead.map { $0(fused.fused) }, mask: mask)
        guard !consistencyHeads.isEmpty || consistencyEvidence != nil else { return output }
        // The heads and the evidence see every modality in `Modality` order; absent ones are 0.
        let fullMask = maskInModalityOrder(mask)
        for head in consistencyHeads where head.spec.sourceModalities.allSatisfy({ byModality[$0] != nil }) {
            guard let out = head(byModality, batch: batch, mask: fullMask) else { continue }
            output.consistency[head.spec.name] = out
            output.consistencyLoss = output.consistencyLoss.map { $0 + out.loss } ?? out.loss
        }
        if let consistencyEvidence {
            guard let surprises = batch.extraFeatures, let present = batch.extraPresent, surprises.shape == [b, consistencyEvidence.width] else {
                preconditionFailure("the model reads \(consistencyEvidence.width) consistency surprises but the batch carries \(batch.extraFeatures?.shape ?? [])")
            }
            (output.logit, output.consistencyLogit) = withEvidence(consistencyEvidence, fusionLogit: output.logit, surprises: surprises, present: present, mask: fullMask)
        }
        return output
    }

    /// A `[R, M]` mask over this model's modalities as `[R, 4]` in `Modality` order (absent ones 0),
    /// the layout the consistency heads and the evidence read.
    func maskInModalityOrder(_ mask: Tensor) -> Tensor {
        let rows = mask.shape[0], count = modalities.count, all = Modality.allCases.count
        let full = Tensor(zeros: [rows, all])
        for (k, m) in modalities.enumerated() { for r in 0..<rows { full.pointer[r * all + m.index] = mask.pointer[r * count + k] } }
        return full
    }

    /// The fusion's logit combined with the consistency evidence (`mask`: `[B, 4]` in `Modality`
    /// order), and the evidence's part of it.
    func withEvidence(_ evidence: ConsistencyEvidence, fusionLogit: Tensor, surprises: Tensor, present: Tensor, mask: Tensor) -> (logit: Tensor, evidence: Tensor) {
        if evidence.combinesLogit {
            let combined = evidence.logit(surprises: surprises, present: present, mask: mask, fusionLogit: fusionLogit)
            return (combined, (combined - fusionLogit).detached())
        }
        let part = evidence.logit(surprises: surprises, present: present, mask: mask)
        return (evidence.combination == .or ? ConsistencyEvidence.noisyOr(fusionLogit, part) : fusionLogit + part, part)
    }

    /// Masks each present modality with probability p, keeping at least one per sample.
    private func applyModalityDropout(_ mask: Tensor) {
        let (b, m) = (mask.shape[0], mask.shape[1])
        let p = mask.pointer
        for r in 0..<b {
            let present = (0..<m).filter { p[r * m + $0] != 0 }
            guard present.count > 1 else { continue }
            var dropped = present.filter { _ in generator.nextFloat() < modalityDropout }
            // All drawn: keep one at random (always keeping the last would bias against it).
            if dropped.count == present.count { dropped.remove(at: generator.nextInt(below: dropped.count)) }
            for k in dropped { p[r * m + k] = 0 }
        }
    }
}

extension MultimodalModel {
    /// Builds the model a validated `model` config section describes, for a dataset.
    /// Modalities the dataset cannot provide are left out and reported in `notes`.
    public static func build(config: JSONValue, schema: DatasetSchema, seed: UInt64) throws(ConfigError) -> (model: MultimodalModel, notes: [String]) {
        try build(options: ModelOptions(section: config), schema: schema, seed: seed)
    }

    /// Builds the model `options` describe, for a dataset. `pretrained` names the modalities each
    /// pre-trained self-supervised column the evidence reads after the heads' surprises (a
    /// semi-supervised run; empty otherwise): the evidence is built for them even without heads.
    public static func build(options: ModelOptions, schema: DatasetSchema, seed: UInt64,
                             pretrained: [Set<Modality>] = []) throws(ConfigError) -> (model: MultimodalModel, notes: [String]) {
        var generator = RandomGenerator(seed: seed)
        let dimension = options.dimension
        var notes: [String] = []
        var modalities: [Modality] = []
        for m in options.modalities {
            if modalities.contains(m) { continue }
            if schema.available.contains(m) { modalities.append(m) } else { notes.append("model.modalities: the dataset has no \(m.rawValue) data; it is left out") }
        }
        modalities.sort()
        guard !modalities.isEmpty else {
            throw ConfigError(path: "model.modalities", message: "no modality left: the dataset provides \(schema.available.map(\.rawValue).joined(separator: ", "))")
        }
        let context = EncoderContext(schema: schema, dimension: dimension)
        var encoders: [any ModalityEncoder] = []
        for m in modalities { encoders.append(try EncoderRegistry.build(m, options: options, context: context, generator: &generator)) }
        if let (key, message) = options.fusion.definition.problem(options.fusion.options, dimension) {
            throw ConfigError(path: "model.fusion.\(key)", message: message)
        }
        let fusion = options.fusion.definition.build(options.fusion.options, modalities, dimension, &generator)
        let typeHead = options.anomalyTypeHead.enabled && schema.anomalyClasses.count > 1
            ? Linear(inputSize: fusionOutputWidth(fusion, dimension: dimension), outputSize: schema.anomalyClasses.count, generator: &generator) : nil
        // Consistency parts come last so a model without them draws exactly the same initial weights.
        let section = options.consistency
        var jointHeads: [ConsistencyHead] = [], evidence: ConsistencyEvidence?
        let specs = try consistencySpecs(options: options, schema: schema, modalities: modalities, notes: &notes)
        if !specs.isEmpty && section.jointWeight > 0 {
            jointHeads = specs.map {
                ConsistencyHead(spec: $0, embeddingSize: dimension, hidden: section.hidden, dropout: Float(section.dropout), generator: &generator)
            }
        }
        let readHeads = section.surpriseInput ? specs : []
        if !readHeads.isEmpty || !pretrained.isEmpty {
            evidence = ConsistencyEvidence(heads: readHeads, pretrained: pretrained, hidden: section.evidenceHidden, dropout: Float(section.dropout),
                                           combination: section.evidenceCombine, generator: &generator)
        }
        let model = MultimodalModel(modalities: modalities, encoders: encoders, fusion: fusion, anomalyTypeHead: typeHead,
                                    consistencyHeads: jointHeads, consistencyEvidence: evidence,
                                    modalityDropout: Float(options.modalityDropout), schema: schema, generator: &generator)
        return (model, notes)
    }

    /// The enabled consistency heads whose modalities this model uses (others are noted and left out).
    public static func consistencySpecs(options: ModelOptions, schema: DatasetSchema, modalities: [Modality], notes: inout [String]) throws(ConfigError) -> [ConsistencyHeadSpec] {
        try ConsistencyHeadSpec.parseAll(options.consistency.heads, schema: schema).filter { spec in
            let missing = spec.modalities.subtracting(modalities)
            if !missing.isEmpty {
                notes.append("model.consistency.heads.\(spec.name): skipped, the model has no \(missing.sorted().map(\.rawValue).joined(separator: ", ")) modality")
            }
            return missing.isEmpty
        }
    }

    static func fusionOutputWidth(_ fusion: any FusionModule, dimension: Int) -> Int {
        fusion is ConcatFusion ? dimension * fusion.modalities.count : dimension
    }
}
