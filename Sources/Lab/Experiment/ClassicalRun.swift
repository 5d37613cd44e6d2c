import Foundation
import Tensor
import Datasets
import Models
import Support

extension ExperimentRunner {
    /// A classical model's run (`model.type` other than `neural`): fitted on the training rows of
    /// the feature export — exactly the run's samples and split — watching validation where the
    /// model stops early, then scored and evaluated by the same evaluator and written to the same
    /// files as a neural run, so a study's table compares them directly. With
    /// `model.classical_inputs.consistency_surprises`, the heads' cross-fitted surprises join the
    /// features (out-of-fold for training rows, so the stacking reads no in-sample score).
    func trainClassical(_ choice: ModelOptions.ClassicalChoice, modelOptions: ModelOptions, modelConfig: JSONValue, resolved: JSONValue,
                        schema: DatasetSchema, dataset: PreparedDataset, variant: String, seed: Int, fold: Int?,
                        files: RunFiles, reporter: ProgressReporter) throws -> RunResult {
        let type = choice.definition.name
        // The modalities this run reads: the model's (an ablation leaves some out) the dataset has.
        let modalities = modelOptions.modalities.filter { schema.available.contains($0) }
        reporter.log("run \(name)/\(variant) seed \(seed)\(fold.map { " fold \($0)" } ?? ""): \(type) on the per-sample features")
        try files.writeJSON(resolved, "config.json")
        let began = Date()

        var table = try featureTable(of: dataset)
        var consistency: ConsistencyFit?
        if modelOptions.classicalReadsSurprises {
            guard !modelOptions.consistency.heads.filter(\.enabled).isEmpty else {
                throw ConfigError(path: "model.classical_inputs.consistency_surprises",
                                  message: "the classical model is to read the consistency heads' surprises, but no head is declared (model.consistency.heads)")
            }
            consistency = try surpriseFeatures(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema, dataset: dataset,
                                               seed: seed, fold: fold, reporter: reporter, into: &table)
            if consistency == nil {
                reporter.log("note: no consistency head applies to \(modalities.map(\.rawValue).joined(separator: " + ")): the model reads no surprises")
            }
        }
        var pretrained: SelfSupervisedScores?
        if options.training.objective == .semiSupervised {
            pretrained = try appendSelfSupervisedFeatures(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema, dataset: dataset,
                                             seed: seed, fold: fold, reporter: reporter, into: &table)
        }
        let all = table.columns.count
        table.columns = table.columns.filter { $0.modalities.isSubset(of: modalities) }
        if table.columns.count < all { reporter.log("\(type): \(all - table.columns.count) features of left-out modalities dropped") }
        let matrix = FeatureCoding.matrix(table, training: dataset.roles.map { $0 == .train })
        reporter.log("\(type): \(matrix.columns) features (\(matrix.cardinalities.compactMap { $0 }.count) categorical) over \(matrix.rows) samples")

        // Each split's rows copied out once, for fitting and for scoring.
        let splits = [SplitRole.train, .valid, .test].map { role in
            let rows = dataset.indices(role)
            return (rows: rows, features: matrix.selecting(rows: rows), labels: rows.map { dataset.labels[$0] })
        }
        let (train, valid) = (splits[0], splits[1])
        var pool: [Int] = []
        if options.training.objective == .semiSupervised {
            // Only the labelled fraction's labels are read, in training and in validation alike; the
            // rest of training served the pre-training alone, the rest of validation measures only.
            // Both draws come in ascending sample order, as the splits' rows.
            let labelled = LabelledSamples(options.training, of: dataset, seed: seed)
            pool = labelled.train + labelled.valid
            reporter.log(labelled.logLine(reader: "the classifier", training: options.training, of: dataset))
        }
        var scored: [ScoredSamples], summary: String
        var kept = SemiSupervisedCandidate.classifier, labelledThreshold: Double?
        var attributed: (model: any ClassicalModel, probabilities: Bool)?
        if let pretrained {
            let chosen = try crossValidateSemiSupervised(pretrained, choice: choice, matrix: matrix, pool: pool, splits: splits, dataset: dataset,
                                                         seed: seed, reporter: reporter)
            (kept, scored, labelledThreshold) = (chosen.kept, chosen.scored, chosen.threshold)
            // Logistic regressions score probabilities; tail sums do not.
            let probabilities = switch kept {
            case .classifier: choice.definition.scoresAreProbabilities
            case .tailLinearPrior, .tailEnsemble: false
            case .pretrained, .components, .tailLinear, .linear: true
            }
            attributed = chosen.model.map { ($0, probabilities) }
            summary = (chosen.model?.summary ?? "the pre-trained self-supervised score") + "; cross-validation kept \(kept.rawValue)"
        } else {
            let model = choice.build(seed: UInt64(seed), threads: ComputeThreads.count)
            try model.fit(train.features, labels: train.labels, valid: valid.rows.isEmpty ? nil : (valid.features, valid.labels))
            reporter.log("\(type): \(model.summary)")
            scored = splits.map { split in
                let start = Date()
                let scores = model.score(split.features).map(Double.init)
                return ScoredSamples(samples: split.rows, scores: scores, logits: scores, modalityWeights: nil, modalities: [], loss: .nan,
                                     secondsPerSample: Date().timeIntervalSince(start) / Double(max(split.rows.count, 1)))
            }
            attributed = (model, choice.definition.scoresAreProbabilities)
            summary = model.summary
        }
        let trainingSeconds = Date().timeIntervalSince(began)
        var evaluation = if let labelledThreshold {
            Evaluator.evaluate(train: scored[0], valid: scored[1], test: scored[2], dataset: dataset, options: options.evaluation, threshold: labelledThreshold)
        } else {
            Evaluator.evaluate(train: scored[0], valid: scored[1], test: scored[2], dataset: dataset, options: options.evaluation)
        }
        let surprises = Set(table.columns.indices.filter { table.columns[$0].name.hasPrefix("surprise_") })
        if let attributed {
            evaluation.attribution = ModalityAttribution.measure(
                classical: attributed.model, test: splits[2].features, full: scored[2], columnModalities: table.columns.map(\.modalities), surprises: surprises,
                modalities: modalities, probabilities: attributed.probabilities, dataset: dataset)
        } else if let pretrained {
            evaluation.attribution = pretrained.attribution(test: scored[2].samples, dataset: dataset)
        }
        let identity = RunIdentity(experiment: name, variant: variant, seed: seed, fold: fold, thresholdRule: options.evaluation.threshold)
        let cutoffs = consistency.map { ExplanationCutoffs(fit: $0, dataset: dataset, quantile: options.evaluation.explanationQuantile) }
        let facts = TrainedModelFacts(classical: type, modalities: modalities, summary: summary, features: matrix.columns)
        try RunWriter(files: files).write(identity, model: facts, dataset: dataset, evaluation: evaluation, explanations: cutoffs,
                                          trainingSeconds: trainingSeconds, checkpoint: nil)
        let metrics = evaluation.testMetrics
        reporter.log(String(format: "test: ROC-AUC %@, AP %@, F1 %@ at threshold %.4f (chosen on validation by %@)",
                            Trainer.text(metrics.rocAUC), Trainer.text(metrics.averagePrecision), Trainer.text(metrics.f1),
                            evaluation.threshold, options.evaluation.threshold))
        return RunResult(variant: variant, seed: seed, fold: fold, directory: files.directory, valid: evaluation.validMetrics, test: metrics,
                         bestEpoch: 0, parameterCount: 0, trainingSeconds: trainingSeconds,
                         scoringSecondsPerSample: evaluation.test.secondsPerSample)
    }

    /// The heads' cross-fitted surprises appended to `table` as `surprise_<column>` features
    /// (out-of-fold for training rows; empty where a head could not judge), and the fit; nil when
    /// no head applies to the dataset.
    func surpriseFeatures(modelOptions: ModelOptions, modelConfig: JSONValue, modalities: [Modality], schema: DatasetSchema, dataset: PreparedDataset,
                          seed: Int, fold: Int?, reporter: ProgressReporter, into table: inout FeatureTable) throws -> ConsistencyFit? {
        let images = options.images
        let store = modalities.contains(.image)
            ? try ImageStore(dataset: dataset, imageSize: images.size, normalization: images.channelNormalization,
                             policy: images.missingPolicy, maxPixels: images.maxPixels)
            : nil
        guard let fit = try consistencyFit(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema,
                                           builder: BatchBuilder(dataset: dataset, images: store), seed: seed, fold: fold, reporter: reporter) else { return nil }
        let columns = fit.columns
        table.columns += fit.raw.heads.indices.map { j in
            FeatureColumn("surprise_" + fit.raw.heads[j], numbers: (0..<dataset.sampleCount).map { fit.raw.value(sample: $0, head: j).map(Double.init) ?? .nan })
                .reading(fit.specs[columns[j].head].modalities)
        }

        return fit
    }
}
