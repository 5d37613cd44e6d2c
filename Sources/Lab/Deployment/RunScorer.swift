import Foundation
import Tensor
import NN
import Datasets
import Models
import Support

/// A run folder loaded to score samples it has never seen: its config, fitted preprocessing,
/// model weights, consistency heads and threshold, all read once. `score` takes a batch of
/// samples — a chunk of a dataset file, or the samples of one request — and returns each one's
/// score, decision, attribution and failed checks, computed exactly as the run computed its own
/// (same preparation, same batches of at most `batchSize`). Not thread-safe: one caller at a time.
public final class RunScorer {
    public let folder: String
    /// The run's resolved config (`config.json`) and its typed sections.
    public let config: JSONValue
    public let options: ExperimentOptions
    public let artefacts: RunArtefacts
    public var threshold: Double { artefacts.threshold }
    /// How the weights are held for scoring (nil: float32, as trained).
    public let quantization: WeightQuantization?
    /// The model's forward batches, as the run's evaluation made them.
    public static let batchSize = 512

    let model: MultimodalModel
    let modelOptions: ModelOptions
    let heads: (model: ConsistencyModel, specs: [ConsistencyHeadSpec])?

    /// Loads `folder` (a published neural run folder), or says by name what is missing.
    /// `threads`: compute threads (default: the run's own `threads`, else all cores).
    /// `quantization`: the weights converted after loading (scores then differ from the run's slightly).
    public init(runFolder folder: String, threads: Int? = nil, quantization: WeightQuantization? = nil) throws {
        self.folder = folder
        self.quantization = quantization
        guard RunFolder.isComplete(folder) else { throw RunArtefactError.notARunFolder(folder: folder) }
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        guard let saved = try ResultFileError.readJSON(configPath) else {
            throw RunArtefactError.incomplete(folder: folder, missing: "config.json", hint: "A run folder records the config it ran; this one was altered.")
        }
        let type = saved["model"]?["type"]?.stringValue ?? "neural"
        guard type == "neural" else { throw RunArtefactError.unsupportedModel(folder: folder, type: type) }
        if saved["training"]?["objective"]?.stringValue == "semi_supervised" {
            throw RunArtefactError.incomplete(folder: folder, missing: "the pre-trained self-supervised components its model reads",
                                              hint: "A semi_supervised run does not save them yet; its test split's scores are in its predictions.csv.")
        }
        do { config = try ExperimentSchema.root.validate(saved, path: "") } catch {
            throw RunArtefactError.unreadable(path: configPath, reason: "\(error)")
        }
        options = ExperimentOptions(config)
        if let t = threads ?? options.threads { ComputeThreads.set(t) }
        artefacts = try RunArtefacts.read(folder: folder)
        var modelOptions = ModelOptions(section: config["model"]!)
        if !artefacts.surpriseInput { modelOptions.consistency.surpriseInput = false }
        self.modelOptions = modelOptions
        let seed = UInt64(options.seeds.first ?? 0)
        model = try MultimodalModel.build(options: modelOptions, schema: artefacts.schema, seed: seed).model
        try model.load(from: (folder as NSString).appendingPathComponent("model.safetensors"))
        if let consistency = artefacts.consistency {
            var notes: [String] = []
            let specs = try MultimodalModel.consistencySpecs(options: modelOptions, schema: artefacts.schema, modalities: model.modalities, notes: &notes)
            guard specs.surpriseColumns.map(\.name) == consistency.columns else {
                throw RunArtefactError.unreadable(path: (folder as NSString).appendingPathComponent(RunArtefacts.file),
                                                  reason: "its consistency columns \(consistency.columns) are not the config's heads \(specs.surpriseColumns.map(\.name))")
            }
            let heads = try ConsistencyModel(specs: specs, model: modelOptions, headHidden: options.fit.hidden, headDropout: Float(options.fit.dropout),
                                             schema: artefacts.schema, seed: seed)
            try heads.load(from: (folder as NSString).appendingPathComponent(RunArtefacts.consistencyWeights))
            self.heads = (heads, specs)
        } else {
            heads = nil
        }
        if let quantization {
            quantization.apply(to: model)
            if let heads { quantization.apply(to: heads.model) }
        }
        model.eval()
    }

    /// The views `attributionColumns` compares the full logits with, in its order.
    var attributionViews: [MaskedView] {
        (model.modalities.count > 1 ? model.modalities.map { .modality($0) } : []) + (readsSurprises ? [.withoutSurprises] : [])
    }

    /// The modalities the model reads.
    public var modalities: [Modality] { model.modalities }
    /// The modalities the model or its consistency heads read (what a sample's own rows may give).
    public var readModalities: Set<Modality> { Set(model.modalities).union(heads?.specs.flatMap(\.modalities) ?? []) }
    /// The surprise columns of `SampleScore.surprises`.
    public var surpriseColumns: [String] { artefacts.consistency?.columns ?? [] }
    /// The columns of `SampleScore.attribution`: each modality (with more than one), then
    /// `consistency` when the model reads the evidence.
    public var attributionColumns: [String] {
        attributionViews.map { view in
            switch view {
            case let .modality(m): m.rawValue
            case .withoutSurprises: "consistency"
            }
        }
    }
    var readsSurprises: Bool { model.consistencyEvidence != nil && artefacts.consistency?.fedToModel == true }

    // MARK: data

    /// The events, users and items of dataset folder `folder` (and its labels.csv, or the
    /// labels.csv-shaped `samples` file), joined and indexed once for every batch scored from it.
    public func data(folder: String, samples: String? = nil) throws -> PreparationContext {
        let raw = try RawDataset.load(folder: folder, samples: samples)
        guard raw.sequenceKey == artefacts.data.sequenceKey else {
            throw DatasetError.invalid(file: raw.labels.file, message: "the run keyed its sequences by \(artefacts.data.sequenceKey), "
                                       + "but these samples are keyed by \(raw.sequenceKey); give the samples a \(artefacts.data.sequenceKey) column")
        }
        var data = options.data
        if let fold = artefacts.fold, let k = options.folds { data.fold = (fold, k) }
        return try PreparationContext(raw: raw, options: data, applying: artefacts.data)
    }

    // MARK: scoring

    /// Scores typed samples against `data` (its events, users and items; rows given with a
    /// sample stand in for its own).
    public func score(_ samples: [SampleInput], in data: PreparationContext, attribution: Bool = true) throws -> [SampleScore] {
        guard samples.contains(where: { $0.rows != nil }) else { return try score(samples, context: data, attribution: attribution) }
        // Samples with rows of their own are prepared, with the others of their batch, from an
        // overlay of what they read: one per group of samples that agree on every id.
        let overlays = samples.map { OverlaySample(key: $0.key, userID: $0.userID, itemID: $0.targetItemID, rows: $0.rows) }
        var scores = [SampleScore?](repeating: nil, count: samples.count)
        for (group, context) in try data.overlays(overlays, applying: artefacts.data) {
            for (k, s) in try score(group.map { samples[$0] }, context: context, attribution: attribution).enumerated() { scores[group[k]] = s }
        }
        return scores.map { $0! }
    }

    private func score(_ samples: [SampleInput], context data: PreparationContext, attribution: Bool) throws -> [SampleScore] {
        let context = data.with(samples: SampleInput.table(samples, sequenceKey: artefacts.data.sequenceKey))
        var given: [Int: RGBImage] = [:]
        for (i, s) in samples.enumerated() { if let image = s.image { given[i] = image } }
        return try score(prepare(Array(0..<samples.count), of: context), attribution: attribution, images: given)
    }

    /// Rows `rows` of `data`'s samples table prepared as the run prepared its own (`roles`: what to call them).
    public func prepare(_ rows: [Int], of data: PreparationContext, roles: [SplitRole]? = nil) throws -> PreparedDataset {
        let prepared = try PreparedDataset.apply(artefacts.data, context: data, rows: rows, roles: roles)
        let schema = prepared.schema(imageSize: options.images.size)
        // The tables the model reads must be laid out as in training (a table absent altogether
        // is masked; its layout comes from the run).
        guard schema.sequenceTokens == artefacts.schema.sequenceTokens, schema.sequenceFloats == artefacts.schema.sequenceFloats else {
            throw DatasetError.invalid(file: data.raw.events.file, message: "its sequence fields \(schema.sequenceTokens.map(\.name)) + \(schema.sequenceFloats) "
                                       + "are not the run's \(artefacts.schema.sequenceTokens.map(\.name)) + \(artefacts.schema.sequenceFloats)")
        }
        return prepared
    }

    /// Scores every sample of `prepared` (a batch prepared by `prepare`). `surprises`: the
    /// consistency heads' output for these samples when already computed (re-making a run's
    /// batches); nil: computed here, over the same batch. `images`: pictures given with samples
    /// (by index), read in place of their items' files.
    public func score(_ prepared: PreparedDataset, surprises given: ConsistencyFit? = nil, attribution: Bool = true,
                      images givenImages: [Int: RGBImage] = [:]) throws -> [SampleScore] {
        let n = prepared.sampleCount
        guard n > 0 else { return [] }
        let images = try images(for: prepared)
        images?.given = givenImages
        let builder = BatchBuilder(dataset: prepared, images: images)
        let all = Array(0..<n)
        let fit = try given ?? surprises(builder)
        var extra: SampleFeatures?
        if let fit, let c = artefacts.consistency, c.fedToModel {
            var scaled = fit.scaled(options.evidence.scaling)
            scaled.removeHeads(Set(c.droppedFromEvidence))
            extra = scaled.features
        }
        let full = try Scorer(model: model, builder: builder, batchSize: Self.batchSize, extra: extra, views: attribution ? attributionViews : []).score(all)
        let drops = full.viewLogits.map { masked in zip(full.logits, masked).map { $0 - $1 } }
        model.eval()
        let cutoffs = fit.map { ExplanationCutoffs(fit: $0, quantile: options.evaluation.explanationQuantile, normalTraining: artefacts.consistency!.normalTrainingSurprises) }
        let maskedImages = Set((images?.masked ?? []).map(\.sample))
        return all.map { i in
            var failed: [FailedCheck] = [], sentence = ""
            if let cutoffs {
                failed = cutoffs.failed(sample: i).map { FailedCheck(check: cutoffs.fit.raw.heads[$0.head], percentile: $0.percentile, surprise: $0.surprise) }
                sentence = RunFiles.explain(sample: i, cutoffs: cutoffs, dataset: prepared).sentence
            }
            let missing = model.modalities.filter { m in
                switch m {
                case .sequence: prepared.sequence.lengths[i] == 0
                case .profile: prepared.profile?.present[i] != true
                case .attributes: prepared.attributes?.present[i] != true
                case .image: (prepared.imagePaths[i] == nil && givenImages[i] == nil) || maskedImages.contains(i)
                }
            }
            return SampleScore(sampleID: prepared.sampleIDs[i], label: prepared.labelled ? prepared.labels[i] : nil,
                               anomalyType: prepared.anomalyTypes[i].isEmpty ? "normal" : prepared.anomalyTypes[i],
                               split: nil, score: full.scores[i], logit: full.logits[i], predicted: full.scores[i] >= threshold,
                               surprises: fit.map { f in f.raw.heads.indices.map { f.raw.value(sample: i, head: $0) } } ?? [],
                               failedChecks: failed, explanation: sentence, attribution: drops.map { $0[i] }, missingModalities: missing)
        }
    }

    /// The consistency heads' raw surprises of every sample `builder` holds, as the run's fit
    /// judged samples outside its training split (the model fitted on all of it), in batches
    /// of 512 in order; nil without heads.
    public func surprises(_ builder: BatchBuilder) throws -> ConsistencyFit? {
        guard let heads, let c = artefacts.consistency else { return nil }
        let n = builder.dataset.sampleCount, h = c.columns.count
        let fitter = ConsistencyFitter(specs: heads.specs, options: options.fit, model: modelOptions, schema: artefacts.schema, builder: builder,
                                       seed: 0, log: { _ in })
        var table = ConsistencyFitter.ScoreTable(n: n, columns: h)
        var none: [[Float]] = heads.specs.map { _ in [] }
        var noEvents: [EventRecords]? = nil
        try fitter.score(heads.model, Array(0..<n), into: &table, probabilities: &none, events: &noEvents)
        heads.model.eval()
        var fit = ConsistencyFit(specs: heads.specs, raw: SurpriseTable(heads: c.columns, values: table.values, present: table.present),
                                 trainingSurprises: c.trainingSurprises, likeliest: table.likeliest)
        if heads.specs.contains(where: \.target.isPerEvent) { fit.worstEvent = table.worstEvent; fit.judgedEvents = table.judgedEvents }
        return fit
    }
}
