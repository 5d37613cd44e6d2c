import Foundation
import Tensor
import NN
import Datasets
import Models
import Support

/// Runs experiments described by a validated config: prepares the data once per fold, then
/// trains, evaluates and writes one run folder per modality set × seed × fold.
public final class ExperimentRunner {
    /// The validated config: what run folders record, and the `model` section the registries build from.
    public let config: JSONValue
    /// The same config decoded once into typed sections.
    public let options: ExperimentOptions
    public var name: String { options.name }
    public let reporter: (String) -> Void
    public var interactive: Bool? = nil
    /// Names the variant (a `variants` entry) instead of the modality set.
    public var variantLabel: String?
    /// Simulates a kill after this many epochs (resume tests).
    public var interruptAfterEpoch: Int?
    /// Tests: decide evidence selection this way instead of by the validation scores (both models
    /// are still trained), to reach each branch on a tiny dataset.
    var evidenceSelectionOverride: Bool?
    /// Keep each sample's event window in the prepared dataset (the feature export reads it).
    public var keepSampleEvents = false
    /// Consistency fits shared with other runners of the same study (nil: fit for every run).
    public var consistencyCache: ConsistencyCache?
    /// Neural models without evidence shared with other runners of the same study (evidence
    /// selection's model-without-evidence is often another variant's training).
    public var trainedModelCache: TrainedModelCache?
    /// Prepared datasets shared with other runners of the same study (variants with the same
    /// data section prepare it once).
    public var datasetCache: DatasetCache?
    /// Held from the first run until the runner goes away, so a study's tables are written
    /// under the same lock as its runs (other runners of this process share it).
    private var experimentLock: DirectoryLock?
    /// How the experiment folder is locked: exclusively for the whole study, or shared with
    /// each run folder locked while it is written (a shard of the study).
    public var locking: StudyLocking = .wholeStudy

    public init(config: JSONValue, reporter: @escaping (String) -> Void = { print($0) }) {
        self.config = config
        self.options = ExperimentOptions(config)
        self.reporter = reporter
        if let threads = options.threads { ComputeThreads.set(threads) }
    }

    public var experimentDirectory: String { (options.output.directory as NSString).appendingPathComponent(name) }

    public var seeds: [Int] { options.seeds }
    public var folds: [Int?] { options.folds.map { Array(0..<$0).map(Optional.some) } ?? [nil] }

    /// The modalities the config's model asks for.
    public var configuredModalities: [Modality] { options.modalities }

    // MARK: data

    /// The dataset prepared for `fold` (split, vocabularies and statistics from its training part).
    public func dataset(fold: Int?, keepingEvents: Bool = false) throws -> PreparedDataset {
        let cache = datasetCache ?? { let c = DatasetCache(); datasetCache = c; return c }()
        var data = options.data
        data.keepSampleEvents = keepSampleEvents || keepingEvents
        if let fold, let k = options.folds { data.fold = (fold, k) }
        if let prepared = options.dataCache {
            // A cache holds one split's columns, and no raw events.
            if options.folds != nil {
                throw CacheError.unsupported(cache: prepared.path, reason: "a prepared cache holds one split; data.split.folds needs one per fold, which prepare does not write yet: remove data.cache or data.split.folds")
            }
            if data.keepSampleEvents {
                throw CacheError.unsupported(cache: prepared.path, reason: "a prepared cache holds model inputs, not events; the classical models, self-supervised runs and the feature export read each sample's events: remove data.cache")
            }
        }
        return try cache.prepared(path: options.dataPath, generate: options.generate, options: data, cache: options.dataCache, reporter: reporter)
    }

    // MARK: runs

    /// Locks the experiment folder against other processes (once the data and model are known
    /// to be good, so a bad config or dataset leaves no folder behind) and clears temporary
    /// files a killed writer left in it.
    func holdExperimentLock() throws {
        guard experimentLock == nil else { return }
        switch locking {
        case .wholeStudy:
            experimentLock = try DirectoryLock.acquire(experimentDirectory)
            DurableFile.removeStaleTemporaryFiles(in: experimentDirectory)
        case .perRun:
            // Other shards may be writing tables here: their temporary files are not stale.
            experimentLock = try DirectoryLock.acquire(experimentDirectory, mode: .shared,
                                                       hint: "a shard cannot work beside a whole-study run; wait for it to finish, or shard that study too")
        }
    }

    /// A shard's lock on one run folder while it writes it (nil for a whole-study run, whose
    /// experiment lock covers its runs).
    func lockRunFolder(_ folder: RunFolder) throws -> DirectoryLock? {
        guard locking == .perRun else { return nil }
        let parent = (folder.final as NSString).deletingLastPathComponent, name = (folder.final as NSString).lastPathComponent
        return try DirectoryLock.acquire(parent, file: ".\(name).lock",
                                         hint: "another shard is running \(folder.final); do two tasks have the same --shard i/N?")
    }

    public static func variantName(_ modalities: [Modality], full: [Modality]) -> String {
        modalities == full ? "full" : modalities.map(\.rawValue).joined(separator: "+")
    }

    /// Trains and evaluates one run, writing its folder: staged beside its final place and
    /// published only when complete (`RunFolder`), with the experiment folder locked meanwhile.
    /// With `resume`, a complete run made with the same config is read back instead of retrained,
    /// and an unfinished one continues from its last saved epoch.
    public func run(modalities: [Modality]? = nil, seed: Int, fold: Int?, resume: Bool, masked: Bool = false) throws -> RunResult {
        var modelConfig = config["model"]!
        let full = configuredModalities
        let chosen = modalities ?? full
        modelConfig = modelConfig.setting(["modalities"], to: .array(chosen.map { .string($0.rawValue) }))
        let modelOptions = ModelOptions(section: modelConfig)
        let classical = modelOptions.classical
        let objective = options.training.objective
        try checkObjective(objective, classical: classical)
        // A classical model and the self-supervised components read the feature export, which needs each sample's events.
        var dataset = try dataset(fold: fold, keepingEvents: classical != nil || objective != .supervised)
        // Consistency explanations read whole sequence columns: a cached dataset's come into memory.
        if !modelOptions.consistency.heads.isEmpty { dataset = try dataset.loadingColumns() }
        // A self-supervised run needs no anomaly in training (and reads no label to check).
        if objective != .selfSupervised { try dataset.checkTrainable() }
        let schema = dataset.schema(imageSize: options.images.size)
        let (model, notes) = classical == nil && objective != .selfSupervised
            ? try MultimodalModel.build(options: modelOptions, schema: schema, seed: UInt64(seed)) : (nil, [])
        let variant = variantLabel ?? Self.variantName(chosen, full: full)
        var directory = (experimentDirectory as NSString).appendingPathComponent("runs/\(variant)/seed-\(seed)")
        if let fold { directory += "/fold-\(fold)" }
        // What the run folder records as its config (the fold, if any, is in the folder name and
        // metrics.json; the config keeps `folds`), and what a resume must match.
        let resolved = config.setting(["model"], to: modelConfig).setting(["seeds"], to: [.number(Double(seed))])
        try holdExperimentLock()
        let folder = RunFolder(final: directory)
        let runLock = try lockRunFolder(folder)
        defer { runLock?.release() }
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
        let reporter = ProgressReporter(logPath: files.path("log.txt"), logEvery: options.training.logEvery,
                                        interactive: interactive, append: resume)
        do {
            let result = if objective == .selfSupervised {
                try trainSelfSupervised(modelOptions: modelOptions, modelConfig: modelConfig, resolved: resolved, schema: schema, dataset: dataset,
                                        variant: variant, seed: seed, fold: fold, files: files, reporter: reporter)
            } else if let model {
                try train(model: model, notes: notes, modelConfig: modelConfig, modelOptions: modelOptions, resolved: resolved, schema: schema, dataset: dataset,
                          variant: variant, seed: seed, fold: fold, resume: resume, masked: masked, files: files, reporter: reporter)
            } else {
                try trainClassical(classical!, modelOptions: modelOptions, modelConfig: modelConfig, resolved: resolved, schema: schema, dataset: dataset,
                                   variant: variant, seed: seed, fold: fold, files: files, reporter: reporter)
            }
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

    /// Everything a run does between preparing its folder and publishing it: the consistency
    /// fit, training, evaluation (`Evaluator`) and the run's files (`RunWriter`). A
    /// semi-supervised run pre-trains first (`pretrainForNeuralModel`) and fine-tunes a model
    /// built anew for its inputs on the labelled fractions alone (`LabelledSamples`).
    private func train(model built: MultimodalModel, notes: [String], modelConfig: JSONValue, modelOptions: ModelOptions, resolved: JSONValue, schema: DatasetSchema,
                       dataset: PreparedDataset, variant: String, seed: Int, fold: Int?, resume: Bool, masked: Bool,
                       files: RunFiles, reporter: ProgressReporter) throws -> RunResult {
        for note in notes { reporter.log("note: \(note)") }
        let semiSupervised = options.training.objective == .semiSupervised
        let run = "run \(name)/\(variant) seed \(seed)\(fold.map { " fold \($0)" } ?? "")"
        let runLine = { (model: MultimodalModel) in
            reporter.log("\(run): \(model.parameterCount) parameters (" + model.parameterCounts.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")")
        }
        if semiSupervised {
            reporter.log("\(run): semi-supervised, pre-training without labels first")
        } else {
            runLine(built)
        }
        let images = built.modalities.contains(.image) ? try RunImages(dataset: dataset, options: options.images) : nil
        let builder = BatchBuilder(dataset: dataset, images: images?.provider)

        // The resolved config goes first, so a run folder always says what it ran.
        try files.writeJSON(resolved, "config.json")

        let saveCheckpoints = options.output.saveCheckpoints
        let began = Date()
        let pretraining = semiSupervised
            ? try pretrainForNeuralModel(modelOptions: modelOptions, schema: schema, modelConfig: modelConfig, dataset: dataset, images: images?.provider,
                                         seed: seed, fold: fold, reporter: reporter) : nil
        var model = built
        if let pretraining {
            model = try fineTuningModel(pretraining, modelOptions: modelOptions, schema: schema, seed: seed, reporter: reporter)
            runLine(model)
        }
        let labelled = pretraining?.labelled ?? LabelledSamples(everyOf: dataset)
        // Consistency surprises first: cross-fitted, so training samples get honest ones.
        let prepared = try prepareConsistency(model: model, modelConfig: modelConfig, modelOptions: modelOptions, schema: schema, builder: builder, seed: seed,
                                              fold: fold, warmStart: pretraining == nil, reporter: reporter)
        let consistency = prepared?.fit
        var surprises = prepared?.scaled.features
        if let pretraining {
            // The evidence reads the heads' surprises (when it reads heads), then the pre-trained columns.
            let readsHeads = model.consistencyEvidence?.columns.isEmpty == false
            let inputs = pretraining.inputs.appended(to: readsHeads ? prepared?.scaled : nil)
            try startSemiSupervisedEvidence(model: model, inputs: inputs, labelled: labelled, dataset: dataset, seed: seed, reporter: reporter)
            surprises = inputs.features
        }
        let trainer = Trainer(model: model, builder: builder, training: options.training,
                              lossWeights: .init(anomalyTypeHead: options.modelTypeHeadWeight, consistencyHeads: options.consistencyJointWeight),
                              extra: surprises, samples: labelled, seed: UInt64(seed), reporter: reporter,
                              state: saveCheckpoints ? .init(path: files.path("state.safetensors"), configFingerprint: resolved.fingerprint) : nil)
        trainer.interruptAfterEpoch = interruptAfterEpoch
        let cache = trainedModelCache ?? TrainedModelCache()
        var (outcome, reused) = try cache.trainOrReuse(TrainedModelCache.key(config: config, model: modelConfig, seed: seed, fold: fold), model: model) {
            try trainer.fit(resume: resume)
        }
        if reused { reporter.log("reusing this study's training of the same model, data, recipe and seed (best epoch \(outcome.bestEpoch))") }
        var selection: EvidenceSelection?
        // A semi-supervised model keeps its evidence: it carries the pre-training, and the labelled
        // validation fraction is too small to choose by.
        if pretraining == nil, prepared != nil, model.consistencyEvidence != nil, options.evidence.selectsOnValidation {
            let (without, withoutOutcome) = try trainWithoutEvidence(modelOptions: modelOptions, modelConfig: modelConfig, schema: schema, builder: builder,
                                                                     seed: seed, fold: fold, configFingerprint: resolved.fingerprint, resume: resume,
                                                                     files: files, reporter: reporter)
            var chosen = EvidenceSelection(metric: options.training.earlyStopping.metric, withEvidence: outcome.bestScore, withoutEvidence: withoutOutcome.bestScore)
            chosen.override = evidenceSelectionOverride
            reporter.log(chosen.logLine)
            if !chosen.keepsEvidence { (model, outcome, surprises) = (without, withoutOutcome, nil) }
            selection = chosen
        }
        let trainingSeconds = Date().timeIntervalSince(began)
        if let images = images?.masked, !images.isEmpty {
            reporter.log("images: \(images.count) sample(s) had no usable image and were scored with the image modality masked; first: \(images[0].reason)")
        }

        // Scoring runs at its own batch size: training's cached buffers would only sit beside it.
        BufferPool.shared.trim()
        let evaluation = try Evaluator.evaluate(model: model, builder: builder, extra: surprises, options: options.evaluation, masked: masked,
                                                thresholdOn: pretraining?.labelled.valid)
        // The heads the final model's evidence reads (none when it has none or selection dropped it).
        let evidenceRead: Set<Int> = model.consistencyEvidence == nil ? [] : Set(consistency.map { Array($0.raw.heads.indices) } ?? [])
            .subtracting(prepared?.droppedFromEvidence ?? [])
        let identity = RunIdentity(experiment: name, variant: variant, seed: seed, fold: fold, thresholdRule: options.evaluation.threshold)
        let cutoffs = consistency.map { ExplanationCutoffs(fit: $0, dataset: dataset, quantile: options.evaluation.explanationQuantile) }
        let metadata = ["experiment": name, "variant": variant, "seed": "\(seed)"]
        let coverage = try RunWriter(files: files).write(identity, model: TrainedModelFacts(neural: model, outcome: outcome), dataset: dataset,
                                                         evaluation: evaluation, explanations: cutoffs, evidence: (evidenceRead, selection),
                                                         trainingSeconds: trainingSeconds,
                                                         checkpoint: saveCheckpoints ? (schema, { [model] in try model.save(to: $0, metadata: metadata) }) : nil)
        if saveCheckpoints && pretraining == nil {
            // What scoring new samples needs beside the model (`RunScorer`; a semi-supervised
            // model also reads the pre-trained columns, which are not saved).
            try RunArtefacts(dataset: dataset, schema: schema, threshold: evaluation.threshold, model: model, fold: fold, cutoffs: cutoffs,
                             droppedFromEvidence: prepared?.droppedFromEvidence ?? [], fedToModel: surprises != nil).write(to: files)
            try consistency?.fullModel?.save(to: files.path(RunArtefacts.consistencyWeights))
        }
        // Each run has its own tensor sizes: hand the cached buffers back rather than let the
        // pool grow to the union of every variant's sizes.
        BufferPool.shared.trim()
        if let coverage {
            reporter.log(String(format: "explanations: %.0f%% of test anomalies failed at least one consistency check (above the %g%% quantile of normal training samples)",
                                100 * coverage, 100 * options.evaluation.explanationQuantile))
        }
        let test = evaluation.testMetrics
        reporter.log(String(format: "test: ROC-AUC %@, AP %@, F1 %@ at threshold %.4f (chosen on validation by %@)",
                            Trainer.text(test.rocAUC), Trainer.text(test.averagePrecision), Trainer.text(test.f1),
                            evaluation.threshold, options.evaluation.threshold))
        return RunResult(variant: variant, seed: seed, fold: fold, directory: files.directory, valid: evaluation.validMetrics, test: test,
                         bestEpoch: outcome.bestEpoch, parameterCount: model.parameterCount, trainingSeconds: trainingSeconds,
                         scoringSecondsPerSample: evaluation.test.secondsPerSample, maskedTest: evaluation.maskedTest)
    }
}
