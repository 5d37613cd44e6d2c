import Foundation
import Datasets
import Models
import Support

extension ExperimentRunner {
    /// A `training.objective = self_supervised` run. The labels are removed from the data before
    /// anything is fitted (`withoutLabels`): the feature export, the consistency heads, the
    /// next-event model and the autoencoder all see the label-free copy, and the threshold is the
    /// training scores' (1 − `training.contamination`) quantile. The labelled `dataset` is read
    /// only after scoring, to measure (metrics, per-type recall and attribution) — so permuting
    /// or deleting the labels cannot change a score.
    func trainSelfSupervised(modelOptions: ModelOptions, modelConfig: JSONValue, resolved: JSONValue, schema: DatasetSchema, dataset: PreparedDataset,
                             variant: String, seed: Int, fold: Int?, files: RunFiles, reporter: ProgressReporter) throws -> RunResult {
        let modalities = modelOptions.modalities.filter { schema.available.contains($0) }
        reporter.log("run \(name)/\(variant) seed \(seed)\(fold.map { " fold \($0)" } ?? ""): self-supervised (no anomaly label read) on "
                     + modalities.map(\.rawValue).joined(separator: " + "))
        try files.writeJSON(resolved, "config.json")
        let began = Date()
        let unlabelled = dataset.withoutLabels()
        guard !unlabelled.indices(.train).isEmpty else {
            throw DatasetError.invalid(file: dataset.labelsFile, message: "the training split is empty (0 of \(dataset.sampleCount) samples)")
        }
        let table = try featureTable(of: unlabelled)
        let (scores, consistency) = try selfSupervisedScores(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema,
                                                             data: unlabelled, table: table, seed: seed, fold: fold, reporter: reporter)
        let trainingSeconds = Date().timeIntervalSince(began)
        let summary = "\(scores.rule.rawValue) of \(scores.columns.count) surprises as −log training tail shares: "
            + scores.components.map { c in "\(c) (\(scores.columns.filter { $0.component == c }.count))" }.joined(separator: ", ")
        reporter.log("self-supervised: \(summary)")

        let scored = [SplitRole.train, .valid, .test].map { role in
            let rows = unlabelled.indices(role)
            let values = rows.map { scores.score(sample: $0) }
            return ScoredSamples(samples: rows, scores: values, logits: values, modalityWeights: nil, modalities: [], loss: .nan, secondsPerSample: 0)
        }
        let contamination = options.training.contamination
        let threshold = SelfSupervisedScores.threshold(trainingScores: scored[0].scores, contamination: contamination)
        // From here on the labels are read, to measure only.
        var evaluation = Evaluator.evaluate(train: scored[0], valid: scored[1], test: scored[2], dataset: dataset, options: options.evaluation,
                                            threshold: threshold)
        evaluation.attribution = scores.attribution(test: scored[2].samples, dataset: dataset)
        try componentTable(scores, samples: scored.flatMap(\.samples), dataset: dataset).write(to: files.path("components.csv"))

        let rule = "contamination \(contamination): the training scores' \(1 - contamination) quantile (no label)"
        let identity = RunIdentity(experiment: name, variant: variant, seed: seed, fold: fold, thresholdRule: rule)
        // Explanation cutoffs from every training sample: without labels there is no "normal" subset.
        let cutoffs = consistency.map { ExplanationCutoffs(fit: $0, dataset: unlabelled, quantile: options.evaluation.explanationQuantile) }
        let facts = TrainedModelFacts(classical: "self_supervised", modalities: modalities, summary: summary, features: scores.columns.count)
        try RunWriter(files: files).write(identity, model: facts, dataset: dataset, evaluation: evaluation, explanations: cutoffs,
                                          trainingSeconds: trainingSeconds, checkpoint: nil)
        let metrics = evaluation.testMetrics
        reporter.log(String(format: "test: ROC-AUC %@, AP %@, F1 %@ at threshold %.4f (%@)",
                            Trainer.text(metrics.rocAUC), Trainer.text(metrics.averagePrecision), Trainer.text(metrics.f1), threshold, rule))
        return RunResult(variant: variant, seed: seed, fold: fold, directory: files.directory, valid: evaluation.validMetrics, test: metrics,
                         bestEpoch: 0, parameterCount: 0, trainingSeconds: trainingSeconds, scoringSecondsPerSample: 0)
    }

    /// components.csv: per sample its split, score and each component's contribution, then each
    /// standardised column.
    func componentTable(_ scores: SelfSupervisedScores, samples: [Int], dataset: PreparedDataset) -> CSVTable {
        var table = CSVTable(header: ["sample_id", "split", "score"] + scores.components + scores.columns.map { "tail_" + $0.name })
        for i in samples {
            table.append([dataset.sampleIDs[i], dataset.roles[i].description, CSVTable.number(scores.score(sample: i))]
                         + scores.contributions(sample: i).map { CSVTable.number($0) }
                         + scores.columns.indices.map { CSVTable.number(Double(scores.standardized(sample: i, column: $0))) })
        }
        return table
    }
}

extension Evaluator {
    /// The metrics of scores at a threshold chosen without validation labels.
    static func evaluate(train: ScoredSamples, valid: ScoredSamples, test: ScoredSamples, dataset: PreparedDataset,
                         options: EvaluationOptions, threshold: Double) -> RunEvaluation {
        RunEvaluation(train: train, valid: valid, test: test, threshold: threshold,
                      validMetrics: RunEvaluation.metrics(valid, threshold: threshold, dataset: dataset, options: options),
                      testMetrics: RunEvaluation.metrics(test, threshold: threshold, dataset: dataset, options: options),
                      maskedTest: [:], attribution: nil)
    }
}

extension SelfSupervisedScores {
    /// Per anomaly type, each component's mean contribution to the test scores
    /// (`surprise_contribution`) and its mean share of them (`surprise_share`).
    func attribution(test: [Int], dataset: PreparedDataset) -> ModalityAttribution {
        let parts = test.map { self.contributions(sample: $0) }
        return ModalityAttribution.summarise(drops: components.indices.map { c in parts.map { $0[c] } }, columns: components, samples: test,
                                             dataset: dataset, method: "surprise_contribution", shareMethod: "surprise_share", gates: nil)
    }
}
