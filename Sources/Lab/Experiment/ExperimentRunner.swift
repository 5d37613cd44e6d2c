import Foundation
import Tensor
import NN
import Datasets
import Models
import Support

/// Runs experiments described by a validated config: prepares the data once per fold, then
/// trains, evaluates and writes one run folder per modality set × seed × fold.
public final class ExperimentRunner {
    public let config: JSONValue
    public let name: String
    public let reporter: (String) -> Void
    public var interactive: Bool? = nil
    /// Names the variant (a `variants` entry) instead of the modality set.
    public var variantLabel: String?
    /// Simulates a kill after this many epochs (resume tests).
    public var interruptAfterEpoch: Int?
    /// Keep each sample's event window in the prepared dataset (the feature export reads it).
    public var keepSampleEvents = false
    /// Consistency fits shared with other runners of the same study (nil: fit for every run).
    public var consistencyCache: ConsistencyCache?
    private var raw: RawDataset?
    /// Held from the first run until the runner goes away, so a study's tables are written
    /// under the same lock as its runs (other runners of this process share it).
    private var experimentLock: DirectoryLock?
    private var prepared: [Int: PreparedDataset] = [:]

    public init(config: JSONValue, reporter: @escaping (String) -> Void = { print($0) }) {
        self.config = config
        self.name = config.string("name")
        self.reporter = reporter
        if let threads = config["threads"]?.intValue { ComputeThreads.set(threads) }
    }

    public var experimentDirectory: String {
        ((config.at("output.directory")!.stringValue!) as NSString).appendingPathComponent(name)
    }

    public var seeds: [Int] { config.ints("seeds") }
    public var folds: [Int?] { config.at("data.split.folds")?.intValue.map { Array(0..<$0).map(Optional.some) } ?? [nil] }

    /// The modalities the config's model asks for.
    public var configuredModalities: [Modality] { config["model"]!.strings("modalities").compactMap(Modality.init(rawValue:)) }

    // MARK: data

    public func dataset(fold: Int?) throws -> PreparedDataset {
        if let d = prepared[fold ?? -1] { return d }
        let data = config["data"]!
        if raw == nil {
            let path = data.string("path")
            if !FileManager.default.fileExists(atPath: path), let generate = data["generate"], generate != .null {
                try DatasetGeneration.generate(preset: generate.string("preset"), seed: generate.int("seed"), into: path, log: reporter)
            }
            raw = try RawDataset.load(folder: path)
        }
        var options = DataOptions()
        options.maxLength = data.int("max_length")
        options.minFrequency = data.int("min_frequency")
        options.itemHashBuckets = data["item_hash_buckets"]?.intValue
        options.gapBuckets = data.int("gap_buckets")
        options.eventTokenColumns = data.strings("event_token_columns")
        options.eventFloatColumns = data.strings("event_float_columns")
        options.missingEntityPolicy = MissingEntityPolicy(rawValue: data.string("missing_entities"))!
        let split = data["split"]!
        options.split = SplitStrategy(rawValue: split.string("strategy"))!
        options.fractions = SplitFractions(train: split.double("train"), valid: split.double("valid"), test: split.double("test"))
        options.seed = UInt64(split.int("seed"))
        options.keepSampleEvents = keepSampleEvents
        if let fold, let k = split["folds"]?.intValue { options.fold = (fold, k) }
        let d = try PreparedDataset.prepare(raw!, options: options)
        let r = d.report
        reporter("data: \(d.sampleCount) samples (train \(r.splitCounts["train"] ?? 0), valid \(r.splitCounts["valid"] ?? 0), "
                 + "test \(r.splitCounts["test"] ?? 0)), \(r.events) events; dropped \(r.droppedEvents) events of unknown users/items; "
                 + "\(r.samplesWithoutEvents) samples without events; \(r.truncatedSequences) sequences truncated to \(options.maxLength)"
                 + (r.ignoredColumns.isEmpty ? "" : "; unused columns: \(r.ignoredColumns.joined(separator: ", "))"))
        prepared[fold ?? -1] = d
        return d
    }

    // MARK: runs

    /// Locks the experiment folder against other processes (once the data and model are known
    /// to be good, so a bad config or dataset leaves no folder behind) and clears temporary
    /// files a killed writer left in it.
    func holdExperimentLock() throws {
        guard experimentLock == nil else { return }
        experimentLock = try DirectoryLock.acquire(experimentDirectory)
        RunFolder.removeStaleTemporaryFiles(in: experimentDirectory)
    }

    public static func variantName(_ modalities: [Modality], full: [Modality]) -> String {
        modalities == full ? "full" : modalities.map(\.rawValue).joined(separator: "+")
    }

    /// Trains and evaluates one run, writing its folder: staged beside its final place and
    /// published only when complete (`RunFolder`), with the experiment folder locked meanwhile.
    /// With `resume`, a complete run made with the same config is read back instead of retrained,
    /// and an unfinished one continues from its last saved epoch.
    public func run(modalities: [Modality]? = nil, seed: Int, fold: Int?, resume: Bool, masked: Bool = false) throws -> RunResult {
        let dataset = try dataset(fold: fold)
        try dataset.checkTrainable()
        let imageConfig = config.at("data.images")!
        let imageSize = imageConfig.int("size")
        var modelConfig = config["model"]!
        let full = configuredModalities
        let chosen = modalities ?? full
        modelConfig = modelConfig.setting(["modalities"], to: .array(chosen.map { .string($0.rawValue) }))
        let schema = dataset.schema(imageSize: imageSize)
        let (model, notes) = try MultimodalModel.build(config: modelConfig, schema: schema, seed: UInt64(seed))
        let variant = variantLabel ?? Self.variantName(chosen, full: full)
        var directory = (experimentDirectory as NSString).appendingPathComponent("runs/\(variant)/seed-\(seed)")
        if let fold { directory += "/fold-\(fold)" }
        // What the run folder records as its config (the fold, if any, is in the folder name and
        // metrics.json; the config keeps `folds`), and what a resume must match.
        let resolved = config.setting(["model"], to: modelConfig).setting(["seeds"], to: [.number(Double(seed))])
        try holdExperimentLock()
        let folder = RunFolder(final: directory)
        if resume {
            // A publish killed between its two renames left the complete run in staging.
            if !folder.isComplete && RunFolder.isComplete(folder.staging) { try folder.publish() }
            if folder.isComplete {
                if let saved = try RunFolder.savedConfig(in: folder.final) { try RunFolder.checkSameConfig(saved: saved, now: resolved, folder: folder.final) }
                self.reporter("\(folder.final) is complete; kept (--resume)")
                return try RunResult.load(directory: folder.final, variant: variant, seed: seed, fold: fold)
            }
            if folder.hasStaging, let saved = try RunFolder.savedConfig(in: folder.staging) {
                try RunFolder.checkSameConfig(saved: saved, now: resolved, folder: folder.staging)
            }
        }
        try folder.begin(resume: resume)
        let files = RunFiles(directory: folder.staging)
        let reporter = ProgressReporter(logPath: files.path("log.txt"), logEvery: config.at("training.log_every")!.intValue!,
                                        interactive: interactive, append: resume)
        do {
            let result = try train(model: model, notes: notes, modelConfig: modelConfig, resolved: resolved, schema: schema, dataset: dataset,
                                   variant: variant, seed: seed, fold: fold, resume: resume, masked: masked, files: files, reporter: reporter)
            try folder.publish()
            var published = result
            published.directory = folder.final
            return published
        } catch {
            reporter.log("run failed: \(error)")
            self.reporter("the unfinished run is kept at \(folder.staging) (its log: \(files.path("log.txt"))); --resume continues it")
            throw error
        }
    }

    /// Everything a run does between preparing its folder and publishing it.
    private func train(model: MultimodalModel, notes: [String], modelConfig: JSONValue, resolved: JSONValue, schema: DatasetSchema,
                       dataset: PreparedDataset, variant: String, seed: Int, fold: Int?, resume: Bool, masked: Bool,
                       files: RunFiles, reporter: ProgressReporter) throws -> RunResult {
        let imageConfig = config.at("data.images")!
        let imageSize = imageConfig.int("size")
        for note in notes { reporter.log("note: \(note)") }
        reporter.log("run \(name)/\(variant) seed \(seed)\(fold.map { " fold \($0)" } ?? ""): \(model.parameterCount) parameters ("
                     + model.parameterCounts.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")")
        let normalization: ChannelNormalization = imageConfig.string("normalization") == "unit" ? .unitRange : .imageNet
        let images = model.modalities.contains(.image)
            ? try ImageStore(dataset: dataset, imageSize: imageSize, normalization: normalization,
                             policy: MissingImagePolicy(rawValue: imageConfig.string("missing"))!, maxPixels: imageConfig.int("max_pixels"))
            : nil
        let builder = BatchBuilder(dataset: dataset, images: images)

        // The resolved config goes first, so a run folder always says what it ran.
        try files.writeJSON(resolved, "config.json")

        let saveCheckpoints = config.at("output.save_checkpoints")!.boolValue!
        let trainer = Trainer(model: model, builder: builder, training: config["training"]!, seed: UInt64(seed), reporter: reporter,
                              statePath: saveCheckpoints ? files.path("state.safetensors") : nil)
        trainer.interruptAfterEpoch = interruptAfterEpoch
        trainer.configFingerprint = resolved.fingerprint
        trainer.modelTypeHeadWeight = modelConfig.at("anomaly_type_head.weight")!.doubleValue!
        trainer.consistencyWeight = modelConfig.at("consistency.joint_weight")!.doubleValue!
        let began = Date()
        // Consistency surprises first: cross-fitted, so training samples get honest ones.
        let consistency = try prepareConsistency(model: model, modelConfig: modelConfig, schema: schema, builder: builder, seed: seed,
                                                 fold: fold, reporter: reporter)
        let outcome = try trainer.fit(resume: resume)
        let trainingSeconds = Date().timeIntervalSince(began)
        if let images, !images.masked.isEmpty {
            reporter.log("images: \(images.masked.count) sample(s) had no usable image and were scored with the image modality masked; first: \(images.masked[0].reason)")
        }

        // Evaluation: threshold on validation, applied to test.
        let scorer = Scorer(model: model, builder: builder, batchSize: 512)
        let valid = dataset.indices(.valid), test = dataset.indices(.test), train = dataset.indices(.train)
        let scoredValid = try scorer.score(valid), scoredTest = try scorer.score(test), scoredTrain = try scorer.score(train)
        let evaluation = config["evaluation"]!
        let rule: ThresholdRule = evaluation.string("threshold") == "fpr" ? .falsePositiveRate(evaluation.double("target_fpr")) : .maxF1
        let validLabels = valid.map { dataset.labels[$0] == 1 }
        let threshold = Evaluator.chooseThreshold(scores: scoredValid.scores, labels: validLabels, rule: rule)
        let ks = evaluation.ints("precision_at_k")
        func metrics(_ s: ScoredSamples) -> SplitMetrics {
            Evaluator.evaluate(scores: s.scores, labels: s.samples.map { dataset.labels[$0] == 1 },
                               types: s.samples.map { dataset.anomalyTypes[$0] }, threshold: threshold, precisionAt: ks)
        }
        let validMetrics = metrics(scoredValid), testMetrics = metrics(scoredTest)
        var maskedTest: [Modality: SplitMetrics] = [:]
        if masked {
            for m in model.modalities where model.modalities.count > 1 {
                let s = try Scorer(model: model, builder: builder, batchSize: 512, masked: [m]).score(test)
                maskedTest[m] = metrics(s)
            }
        }

        var metricsJSON: JSONValue = [
            "experiment": .string(name), "variant": .string(variant), "seed": .number(Double(seed)),
            "fold": fold.map { .number(Double($0)) } ?? .null,
            "modalities": .array(model.modalities.map { .string($0.rawValue) }),
            "best_epoch": .number(Double(outcome.bestEpoch)), "epochs_trained": .number(Double(outcome.history.count)),
            "threshold_rule": .string(evaluation.string("threshold")),
            "parameters": .number(Double(model.parameterCount)),
            "valid": validMetrics.json, "test": testMetrics.json,
        ]
        if let consistency {
            metricsJSON = metricsJSON.setting(["consistency"], to: Self.surpriseMetrics(consistency, dataset: dataset, valid: valid, test: test))
        }
        if !maskedTest.isEmpty {
            metricsJSON = metricsJSON.setting(["test_with_modality_masked"], to: .object(maskedTest.sorted { $0.key < $1.key }.map { ($0.key.rawValue, $0.value.json) }))
        }
        try files.writeJSON(metricsJSON, "metrics.json")
        // Timings vary from run to run, so they live apart from metrics.json (which is reproducible).
        try files.writeJSON(["training_seconds": .number(trainingSeconds), "scoring_seconds_per_sample": .number(scoredTest.secondsPerSample),
                             "threads": .number(Double(ComputeThreads.count))], "timing.json")
        try files.writeHistory(outcome.history)
        try files.writePredictions(dataset, scored: [scoredTrain, scoredValid, scoredTest], threshold: threshold, consistency: consistency)
        if let consistency { try files.writeExplanations(dataset, scored: [scoredValid, scoredTest], threshold: threshold, fit: consistency) }
        if model.modalities.count > 1 {
            try ModalityAttribution.measure(model: model, builder: builder, full: scoredTest).table.write(to: files.path("modality_weights_by_type.csv"))
        }
        if saveCheckpoints {
            try model.save(to: files.path("model.safetensors"), metadata: ["experiment": name, "variant": variant, "seed": "\(seed)"])
            try files.writeSchema(schema)
        }
        // Each run has its own tensor sizes: hand the cached buffers back rather than let the
        // pool grow to the union of every variant's sizes.
        BufferPool.shared.trim()
        reporter.log(String(format: "test: ROC-AUC %@, AP %@, F1 %@ at threshold %.4f (chosen on validation by %@)",
                            Trainer.text(testMetrics.rocAUC), Trainer.text(testMetrics.averagePrecision), Trainer.text(testMetrics.f1),
                            threshold, evaluation.string("threshold")))
        return RunResult(variant: variant, seed: seed, fold: fold, directory: files.directory, valid: validMetrics, test: testMetrics,
                         bestEpoch: outcome.bestEpoch, parameterCount: model.parameterCount, trainingSeconds: trainingSeconds,
                         scoringSecondsPerSample: scoredTest.secondsPerSample, maskedTest: maskedTest)
    }
}

extension ExperimentRunner {
    /// How well each head's surprise alone ranks anomalies (ROC-AUC over the samples it judged).
    static func surpriseMetrics(_ fit: ConsistencyFit, dataset: PreparedDataset, valid: [Int], test: [Int]) -> JSONValue {
        .object(fit.specs.indices.map { j in
            func auc(_ samples: [Int]) -> JSONValue {
                let judged = samples.filter { fit.raw.value(sample: $0, head: j) != nil }
                let curve = RankingCurve(scores: judged.map { Double(fit.raw.value(sample: $0, head: j)!) }, labels: judged.map { dataset.labels[$0] == 1 })
                return curve.rocAUC.map { .number($0) } ?? .null
            }
            // Per anomaly type: that type against the normal samples (which check catches what).
            let types = Set(test.map { dataset.anomalyTypes[$0] }.filter { !$0.isEmpty }).sorted()
            let byType: [(String, JSONValue)] = types.map { type in
                (type, auc(test.filter { dataset.anomalyTypes[$0] == type || dataset.labels[$0] == 0 }))
            }
            return (fit.specs[j].name, .object([("predicts", .string(fit.specs[j].target.path)), ("valid_roc_auc", auc(valid)),
                                                ("test_roc_auc", auc(test)), ("test_roc_auc_by_type", .object(byType))]))
        })
    }
}

/// Generates the synthetic shop when a config's dataset folder is absent.
public enum DatasetGeneration {
    public static func generate(preset: String, seed: Int, into path: String, log: (String) -> Void) throws {
        guard let p = ShopPreset(rawValue: preset) else { throw ConfigError(path: "data.generate.preset", message: "unknown preset \(preset)") }
        log("data: \(path) not found; generating the synthetic shop (preset \(preset), seed \(seed))")
        let began = Date()
        let summary = try SyntheticShop(config: ShopConfig(preset: p, seed: UInt64(seed))).write(to: path)
        log(String(format: "data: wrote %d samples in %.1fs", summary.samples, Date().timeIntervalSince(began)))
    }
}
