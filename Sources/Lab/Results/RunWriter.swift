import Foundation
import Tensor
import Datasets
import Models
import Support

/// What a run folder records about the run besides its evaluation.
struct RunIdentity {
    var experiment: String
    var variant: String
    var seed: Int
    var fold: Int?
    var thresholdRule: String
}

/// Writes a trained and evaluated run's files into its (staging) folder, each atomically:
/// metrics.json, timing.json, history.csv, predictions.csv (+ modality_weights.csv),
/// explanations.csv, attribution_by_type.csv, and with checkpoints model.safetensors and
/// schema.json.
struct RunWriter {
    let files: RunFiles

    func write(_ run: RunIdentity, model: MultimodalModel, dataset: PreparedDataset, outcome: TrainingOutcome, evaluation e: RunEvaluation,
               consistency: ConsistencyFit?, trainingSeconds: Double, checkpoint schema: DatasetSchema?) throws {
        var metrics: JSONValue = [
            "experiment": .string(run.experiment), "variant": .string(run.variant), "seed": .number(Double(run.seed)),
            "fold": run.fold.map { .number(Double($0)) } ?? .null,
            "modalities": .array(model.modalities.map { .string($0.rawValue) }),
            "best_epoch": .number(Double(outcome.bestEpoch)), "epochs_trained": .number(Double(outcome.history.count)),
            "threshold_rule": .string(run.thresholdRule),
            "parameters": .number(Double(model.parameterCount)),
            "valid": e.validMetrics.json, "test": e.testMetrics.json,
        ]
        if let consistency {
            metrics = metrics.setting(["consistency"], to: ExperimentRunner.surpriseMetrics(consistency, dataset: dataset, valid: e.valid.samples,
                                                                                           test: e.test.samples))
        }
        if !e.maskedTest.isEmpty {
            metrics = metrics.setting(["test_with_modality_masked"],
                                      to: .object(e.maskedTest.sorted { $0.key < $1.key }.map { ($0.key.rawValue, $0.value.json) }))
        }
        try files.writeJSON(metrics, "metrics.json")
        // Timings vary from run to run, so they live apart from metrics.json (which is reproducible).
        try files.writeJSON(["training_seconds": .number(trainingSeconds), "scoring_seconds_per_sample": .number(e.test.secondsPerSample),
                             "threads": .number(Double(ComputeThreads.count))], "timing.json")
        try files.writeHistory(outcome.history)
        try files.writePredictions(dataset, scored: [e.train, e.valid, e.test], threshold: e.threshold, consistency: consistency)
        if let consistency { try files.writeExplanations(dataset, scored: [e.valid, e.test], threshold: e.threshold, fit: consistency) }
        try e.attribution?.table.write(to: files.path("attribution_by_type.csv"))
        if let schema {
            try model.save(to: files.path("model.safetensors"), metadata: ["experiment": run.experiment, "variant": run.variant, "seed": "\(run.seed)"])
            try files.writeSchema(schema)
        }
    }
}
