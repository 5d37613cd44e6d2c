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

/// What a run folder says about the trained model, whatever its type.
struct TrainedModelFacts {
    /// `neural`, or the classical model's registered name.
    var type: String
    var modalities: [Modality]
    var parameters: Int
    var bestEpoch: Int
    var history: [EpochRecord]
    /// The classical model's own account (rounds kept, iterations, …).
    var summary: String?
    /// Classical models: the number of features they read.
    var features: Int?
    /// What `training.pruning` reached.
    var pruning: PruningSummary?

    init(neural model: MultimodalModel, outcome: TrainingOutcome) {
        type = "neural"; modalities = model.modalities; parameters = model.parameterCount
        bestEpoch = outcome.bestEpoch; history = outcome.history; pruning = outcome.pruning
    }

    init(classical type: String, modalities: [Modality], summary: String, features: Int) {
        self.type = type; self.modalities = modalities; parameters = 0; bestEpoch = 0; history = []
        self.summary = summary; self.features = features
    }
}

/// Writes a trained and evaluated run's files into its (staging) folder, each atomically:
/// metrics.json, timing.json, history.csv, predictions.csv (+ modality_weights.csv),
/// explanations.csv, attribution_by_type.csv, and with checkpoints model.safetensors and
/// schema.json.
struct RunWriter {
    let files: RunFiles

    /// Returns the share of test anomalies with a failed consistency check (nil without heads or anomalies).
    @discardableResult
    func write(_ run: RunIdentity, model facts: TrainedModelFacts, dataset: PreparedDataset, evaluation e: RunEvaluation,
               explanations cutoffs: ExplanationCutoffs?, evidence: (read: Set<Int>, selection: EvidenceSelection?) = ([], nil),
               trainingSeconds: Double, checkpoint: (schema: DatasetSchema, save: (String) throws -> Void)?) throws -> Double? {
        let consistency = cutoffs?.fit
        var metrics: JSONValue = [
            "experiment": .string(run.experiment), "variant": .string(run.variant), "seed": .number(Double(run.seed)),
            "fold": run.fold.map { .number(Double($0)) } ?? .null,
            "model_type": .string(facts.type),
            "modalities": .array(facts.modalities.map { .string($0.rawValue) }),
            "best_epoch": .number(Double(facts.bestEpoch)), "epochs_trained": .number(Double(facts.history.count)),
            "threshold_rule": .string(run.thresholdRule),
            "parameters": .number(Double(facts.parameters)),
            "valid": e.validMetrics.json, "test": e.testMetrics.json,
        ]
        if let summary = facts.summary { metrics = metrics.setting(["model_summary"], to: .string(summary)) }
        if let features = facts.features { metrics = metrics.setting(["features"], to: .number(Double(features))) }
        if let pruning = facts.pruning { metrics = metrics.setting(["pruning"], to: pruning.json) }
        var testCoverage: Double?
        if let consistency, let cutoffs {
            metrics = metrics.setting(["consistency"], to: consistency.metricsJSON(dataset: dataset, valid: e.valid.samples, test: e.test.samples,
                                                                                   evidenceReads: evidence.read))
            if let selection = evidence.selection { metrics = metrics.setting(["evidence_selection"], to: selection.json) }
            func share(_ v: Double?) -> JSONValue { v.map { .number($0) } ?? .null }
            testCoverage = cutoffs.coverage(of: e.test.samples, dataset: dataset)
            metrics = metrics.setting(["explanations"], to: [
                "failed_check_above": "quantile of normal training samples' surprise, per head",
                "quantile": .number(cutoffs.quantile),
                "valid_coverage": share(cutoffs.coverage(of: e.valid.samples, dataset: dataset)),
                "test_coverage": share(testCoverage),
            ])
        }
        if !e.maskedTest.isEmpty {
            metrics = metrics.setting(["test_with_modality_masked"],
                                      to: .object(e.maskedTest.sorted { $0.key < $1.key }.map { ($0.key.rawValue, $0.value.json) }))
        }
        try files.writeJSON(metrics, "metrics.json")
        // Timings vary from run to run, so they live apart from metrics.json (which is reproducible).
        try files.writeJSON(["training_seconds": .number(trainingSeconds), "scoring_seconds_per_sample": .number(e.test.secondsPerSample),
                             "threads": .number(Double(ComputeThreads.count)), "gemm": .string(GEMMKernel.current.rawValue), "blas_kernels": .string(BLASKernels.name)], "timing.json")
        if !facts.history.isEmpty { try files.writeHistory(facts.history) }
        try files.writePredictions(dataset, scored: [e.train, e.valid, e.test], threshold: e.threshold, consistency: consistency)
        if let cutoffs { try files.writeExplanations(dataset, scored: [e.valid, e.test], threshold: e.threshold, cutoffs: cutoffs) }
        try e.attribution?.table.write(to: files.path("attribution_by_type.csv"))
        if let checkpoint {
            try checkpoint.save(files.path("model.safetensors"))
            try files.writeSchema(checkpoint.schema)
        }
        return testCoverage
    }
}
