import Foundation
import Datasets
import Models
import Support

extension ExperimentRunner {
    /// A run's consistency part: the fit, the surprises the classifier reads (scaled, heads below
    /// the gain floor absent), and which heads those are.
    struct PreparedConsistency {
        var fit: ConsistencyFit
        var scaled: SurpriseTable
        var droppedFromEvidence: Set<Int>
    }

    /// The cross-fitted surprises of the heads that apply to `modalities` (this study's fit when it
    /// has one for the same data, heads, encoders and seed); nil when no head applies.
    func consistencyFit(modelOptions: ModelOptions, modelConfig: JSONValue, modalities: [Modality], schema: DatasetSchema, builder: BatchBuilder,
                        seed: Int, fold: Int?, reporter: ProgressReporter) throws -> ConsistencyFit? {
        var skipped: [String] = []   // noted by MultimodalModel.build for the neural model
        let specs = try MultimodalModel.consistencySpecs(options: modelOptions, schema: schema, modalities: modalities, notes: &skipped)
        guard !specs.isEmpty else { return nil }
        let fitter = ConsistencyFitter(specs: specs, options: options.fit, model: modelOptions, schema: schema, builder: builder,
                                       seed: UInt64(seed), log: { reporter.log($0) })
        let key = ConsistencyCache.Key(data: config["data"]!, model: modelConfig, fit: options.fit, specs: specs, seed: seed, fold: fold)
        let cache = consistencyCache ?? ConsistencyCache()
        let hits = cache.hits
        let fit = try cache.fit(key) { try fitter.fit() }
        if cache.hits > hits { reporter.log("consistency: reusing this study's fit for seed \(seed) (same data, heads and encoders)") }
        return fit
    }

    /// Cross-fits the model's consistency heads (or reuses this study's fit for the same data,
    /// heads, encoders and seed), scales the surprises the classifier reads (returned, for the
    /// caller to hand to the trainer and evaluator with every batch) and, unless `warmStart` is
    /// false (a semi-supervised run warm-starts on more columns itself), warm-starts the evidence
    /// module on every training sample. Nil when the model has no heads.
    func prepareConsistency(model: MultimodalModel, modelConfig: JSONValue, modelOptions: ModelOptions, schema: DatasetSchema, builder: BatchBuilder, seed: Int,
                            fold: Int?, warmStart: Bool = true, reporter: ProgressReporter) throws -> PreparedConsistency? {
        guard let fit = try consistencyFit(modelOptions: modelOptions, modelConfig: modelConfig, modalities: model.modalities, schema: schema,
                                           builder: builder, seed: seed, fold: fold, reporter: reporter) else { return nil }
        let evidenceOptions = options.evidence
        let dropped = HeadWorth.knowingNothing(fit, gainFloor: evidenceOptions.minHeldoutGain, rocAUCFloor: evidenceOptions.minHeldoutTargetRocAuc)
        for (j, gain, auc) in dropped {
            reporter.log(String(format: "note: consistency head %@ predicts its target no better than the training class frequencies on held-out folds "
                                + "(gain %.4f nats, below model.consistency.min_heldout_gain = %g; ROC-AUC on its target %@, below min_heldout_target_roc_auc = %g): "
                                + "left out of the evidence; its checks still appear in explanations",
                                fit.raw.heads[j], gain, evidenceOptions.minHeldoutGain, auc.map { String(format: "%.3f", $0) } ?? "not measured",
                                evidenceOptions.minHeldoutTargetRocAuc))
        }
        var surprises = fit.scaled(evidenceOptions.scaling)
        surprises.removeHeads(Set(dropped.map(\.head)))
        if warmStart {
            try warmStartEvidence(model: model, inputs: surprises, samples: builder.dataset.indices(.train), dataset: builder.dataset, seed: seed,
                                  reporter: reporter)
        }
        return PreparedConsistency(fit: fit, scaled: surprises, droppedFromEvidence: Set(dropped.map(\.head)))
    }

    /// Fits the model's evidence alone on `inputs` (what batches will carry) and the labels of
    /// `samples` (`EvidenceWarmStart`), then freezes it if the config says so.
    func warmStartEvidence(model: MultimodalModel, inputs: SurpriseTable, samples: [Int], dataset: PreparedDataset, seed: Int,
                           reporter: ProgressReporter) throws {
        let evidenceOptions = options.evidence
        let steps = evidenceOptions.evidenceWarmupSteps
        guard let evidence = model.consistencyEvidence, steps > 0 else { return }
        let weight = options.training.imbalance == .posWeight ? Trainer.positiveWeight(labels: dataset.labels, samples: samples) : 1
        let loss = try EvidenceWarmStart.fit(evidence, surprises: inputs, labels: dataset.labels, samples: samples, steps: steps,
                                             learningRate: Float(evidenceOptions.evidenceWarmupLr),
                                             weightDecay: Float(evidenceOptions.evidenceWarmupWeightDecay), positiveWeight: weight,
                                             seed: UInt64(seed))
        reporter.log(String(format: "consistency: evidence warm-started on the training surprises (%d steps, loss %.4f)", steps, loss))
        freezeEvidenceIfAsked(model)
    }

    /// `evidence_training = frozen`: the started evidence stays as it is while the model trains.
    func freezeEvidenceIfAsked(_ model: MultimodalModel) {
        guard options.evidence.frozenAfterWarmStart, let evidence = model.consistencyEvidence else { return }
        for (_, p) in evidence.namedParameters() { _ = p.requiringGrad(false) }
    }
}
