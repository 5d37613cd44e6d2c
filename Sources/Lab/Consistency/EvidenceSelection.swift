import Foundation
import Datasets
import Models
import Support

/// The rule that keeps consistency evidence from making a model worse: with
/// `model.consistency.evidence_selection = validation`, a run also trains the same model
/// without the evidence (same config, seed and data; `surprise_input` off) and keeps the
/// evidence only when its best validation score (the early-stopping metric) is strictly higher.
/// On validation the kept model is never the worse of the two; on test it can be worse only
/// by what validation could not see. A tie keeps the simpler model.
struct EvidenceSelection {
    var metric: String
    /// Best-epoch early-stopping scores, higher is better (the loss counts negatively).
    var withEvidence: Double
    var withoutEvidence: Double

    /// Tests only: the decision, whatever the scores.
    var override: Bool?

    var keepsEvidence: Bool { override ?? (withEvidence > withoutEvidence) }

    /// The score as the metric reads (a loss is positive again).
    func shown(_ score: Double) -> Double { metric == "loss" ? -score : score }

    var json: JSONValue {
        [
            "rule": "keep the evidence only if its best validation score is higher than the same model's without it",
            "metric": .string(metric),
            "valid_with_evidence": .number(shown(withEvidence)),
            "valid_without_evidence": .number(shown(withoutEvidence)),
            "kept": .bool(keepsEvidence),
        ]
    }

    var logLine: String {
        String(format: "evidence selection: valid %@ %.4f with the consistency evidence, %.4f without: %@", metric,
               shown(withEvidence), shown(withoutEvidence),
               keepsEvidence ? "the evidence is kept" : "the model without the evidence is kept (the heads still explain)")
    }
}

extension ExperimentRunner {
    /// The run's model built again with `surprise_input` off (the same seed, so every shared part
    /// starts identical) and trained with its own resume state beside the run's.
    func trainWithoutEvidence(modelOptions: ModelOptions, modelConfig: JSONValue, schema: DatasetSchema, builder: BatchBuilder, seed: Int, fold: Int?,
                              configFingerprint: String, resume: Bool, files: RunFiles, reporter: ProgressReporter) throws -> (MultimodalModel, TrainingOutcome) {
        var options = modelOptions
        options.consistency.surpriseInput = false
        let (model, _) = try MultimodalModel.build(options: options, schema: schema, seed: UInt64(seed))
        let key = TrainedModelCache.key(config: config, model: modelConfig.setting(["consistency", "surprise_input"], to: false), seed: seed, fold: fold)
        let cache = trainedModelCache ?? TrainedModelCache()
        let (outcome, reused) = try cache.trainOrReuse(key, model: model) {
            reporter.log("evidence selection: training the same model without the consistency evidence (\(model.parameterCount) parameters)")
            let trainer = Trainer(model: model, builder: builder, training: self.options.training,
                                  lossWeights: .init(anomalyTypeHead: self.options.modelTypeHeadWeight, consistencyHeads: self.options.consistencyJointWeight),
                                  extra: nil, seed: UInt64(seed), reporter: reporter,
                                  state: self.options.output.saveCheckpoints
                                    ? .init(path: files.path("state-without-evidence.safetensors"), configFingerprint: configFingerprint) : nil)
            return try trainer.fit(resume: resume)
        }
        if reused {
            reporter.log("evidence selection: the same model without the consistency evidence was trained in this study already (best epoch \(outcome.bestEpoch)); reused")
        }
        return (model, outcome)
    }
}
