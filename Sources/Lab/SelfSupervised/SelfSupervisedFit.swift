import Foundation
import Datasets
import Models
import Support

extension ExperimentRunner {
    /// The modalities whose feature-export columns the reconstruction component's first column
    /// rebuilds: the tabular rows (a sample's profile and its target item's attributes); its
    /// second (`reconstruction.sequence`) rebuilds the aggregates of the event history.
    static let reconstructedModalities: Set<Modality> = [.profile, .attributes]
    /// Passes of the alignment model over its training pairs.
    static let alignmentEpochs = 5

    /// Fits every label-free component on `data` — which must be `withoutLabels()`: nothing here
    /// can read an anomaly label — and returns their surprises for every sample, standardised on
    /// the training samples (`SelfSupervisedScores`). `table` is the feature export of `data`.
    func selfSupervisedScores(modelOptions: ModelOptions, modelConfig: JSONValue, modalities: [Modality], schema: DatasetSchema,
                              data: PreparedDataset, table: FeatureTable, seed: Int, fold: Int?,
                              reporter: ProgressReporter) throws -> (scores: SelfSupervisedScores, consistency: ConsistencyFit?) {
        // Everything the components read: the data and image options, the heads and their fit,
        // the encoders and width, the modalities, the seed and the fold (not the classifier).
        let key = JSONValue.array([config["data"]!, config["model"]?["consistency"] ?? .null, modelConfig["encoders"] ?? .null,
                                   modelConfig["dimension"] ?? .null, .array(modalities.map { .string($0.rawValue) }),
                                   .number(Double(seed)), fold.map { .number(Double($0)) } ?? .null]).rendered()
        let cache = consistencyCache ?? ConsistencyCache()
        let hits = cache.hits
        let made = try cache.selfSupervised(key) {
            try fitSelfSupervised(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema, data: data, table: table,
                                  seed: seed, fold: fold, reporter: reporter)
        }
        if cache.hits > hits { reporter.log("self-supervised: reusing this study's pre-training for seed \(seed) (same data, heads, encoders and modalities)") }
        // The combination rule is not part of the fit (nor of the cache key): each run applies its own.
        var scores = made.0
        scores.rule = options.training.combination
        return (scores, made.1)
    }

    private func fitSelfSupervised(modelOptions: ModelOptions, modelConfig: JSONValue, modalities: [Modality], schema: DatasetSchema,
                                   data: PreparedDataset, table: FeatureTable, seed: Int, fold: Int?,
                                   reporter: ProgressReporter) throws -> (SelfSupervisedScores, ConsistencyFit?) {
        precondition(!data.labelled && !data.labels.contains(1), "self-supervised components are fitted on data without labels")
        let training = data.indices(.train), n = data.sampleCount
        var columns: [(component: String, name: String, raw: [Float?], twoSided: Bool)] = []

        // Consistency heads: already label-free and cross-fitted; heads that know nothing of their
        // target (HeadWorth, measured without labels) are left out as the evidence leaves them out.
        var fit: ConsistencyFit?
        if !modelOptions.consistency.heads.filter(\.enabled).isEmpty {
            var scratch = table
            fit = try surpriseFeatures(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema, dataset: data,
                                       seed: seed, fold: fold, reporter: reporter, into: &scratch)
        }
        if let fit {
            let dropped = Set(HeadWorth.knowingNothing(fit, gainFloor: options.evidence.minHeldoutGain,
                                                       rocAUCFloor: options.evidence.minHeldoutTargetRocAuc).map(\.head))
            for j in fit.raw.heads.indices where !dropped.contains(j) {
                columns.append(("consistency", fit.raw.heads[j], (0..<n).map { fit.raw.value(sample: $0, head: j) }, false))
            }
            if !dropped.isEmpty {
                reporter.log("self-supervised: consistency columns left out (their heads know nothing of their targets): "
                             + dropped.sorted().map { fit.raw.heads[$0] }.joined(separator: ", "))
            }
        }

        let folds = options.fit.folds
        // Next-event surprise of the behaviour sequence.
        if modalities.contains(.sequence) {
            let (means, maxima) = try nextEventSurprises(data.sequence, training: training, heldOut: data.indices(.valid), sampleCount: n,
                                                         folds: folds, seed: seed, reporter: reporter)
            // The mean is a typicality test (too predictable is atypical too); the max, one event's surprise.
            columns.append(("next_event", "next_event.mean", means, true))
            columns.append(("next_event", "next_event.max", maxima, false))
        }

        // Reconstruction by an autoencoder of two rows per sample: the tabular one (profile and
        // target-item attributes), and the behaviour one (the feature export's aggregates of the
        // event history alone: counts, shares, gaps, repeats, distinct values per token field —
        // derived from any schema), so a burst that is unusual as a count is judged as a count.
        let unsurprising = table.columns.filter { !$0.name.hasPrefix("surprise_") }
        let rowGroups: [(name: String, columns: [FeatureColumn])] = [
            ("reconstruction", unsurprising.filter { $0.modalities.isSubset(of: Self.reconstructedModalities) && !$0.modalities.isDisjoint(with: Set(modalities)) }),
            ("reconstruction.sequence", modalities.contains(.sequence) ? unsurprising.filter { $0.modalities == [.sequence] } : []),
        ]
        for (group, (name, groupColumns)) in rowGroups.enumerated() where !groupColumns.isEmpty {
            var rows = table
            rows.columns = groupColumns
            let matrix = FeatureCoding.matrix(rows, training: data.roles.map { $0 == .train })
            let design = FeaturePreprocessing(fitting: matrix.selecting(rows: training), minFrequency: 10)
            let x = design.transform(matrix)
            reporter.log("self-supervised: \(name): autoencoder on \(groupColumns.count) features (\(design.width) inputs)")
            // The first group keeps the seeds it always had, so its column is unchanged.
            var round: UInt64 = 0
            let base = UInt64(seed) &+ UInt64(group) &* 7919
            let errors: [Float?] = try SelfSupervisedScores.crossFitted(training: training, sampleCount: n, folds: folds, seed: UInt64(seed)) { fitOn, judge in
                round += 1
                let model = TabularAutoencoder(width: design.width, seed: base &* 31 &+ round)
                try model.fit(x, rows: fitOn, seed: base &+ round)
                return model.reconstructionErrors(x, rows: judge)
            }
            columns.append(("reconstruction", name, errors, false))
        }
        // Extremes: how far out in its tails the sample's most unusual generic features lie.
        let numeric = unsurprising.filter { $0.modalities.isSubset(of: Set(modalities)) }.compactMap(\.numbers)
        if !numeric.isEmpty {
            columns.append(("extremes", "extremes", Self.extremes(numeric, training: training), false))
            reporter.log("self-supervised: extremes: the mean of each sample's \(Self.extremeFeatures) largest feature tails over \(numeric.count) numeric features")
        }
        // Cross-modal alignment: does this picture belong with these attributes?
        if modalities.contains(.image) && modalities.contains(.attributes) {
            let images = options.images
            let store = try ImageStore(dataset: data, imageSize: images.size, normalization: images.channelNormalization,
                                       policy: images.missingPolicy, maxPixels: images.maxPixels)
            let builder = BatchBuilder(dataset: data, images: store)
            var round: UInt64 = 0
            let surprises: [Float?] = try SelfSupervisedScores.crossFitted(training: training, sampleCount: n, folds: folds, seed: UInt64(seed)) { fitOn, judge in
                round += 1
                let model = try CrossModalAlignment(.image, .attributes, model: modelOptions, schema: schema, seed: UInt64(seed) &* 131 &+ round)
                let pairs = try model.paired(fitOn, builder: builder)
                try model.fit(pairs, builder: builder, epochs: Self.alignmentEpochs, batchSize: 128, learningRate: 1e-3, seed: UInt64(seed) &+ round)
                let judged = try model.paired(judge, builder: builder)
                let values = Dictionary(uniqueKeysWithValues: zip(judged, try model.score(judged, reference: Array(pairs.prefix(255)), builder: builder)))
                return judge.map { values[$0] }
            }.map { $0 ?? nil }
            reporter.log("self-supervised: image–attributes alignment (InfoNCE, \(Self.alignmentEpochs) epochs) judged \(surprises.compactMap { $0 }.count) samples")
            columns.append(("alignment", "alignment", surprises, false))
        }
        guard !columns.isEmpty else {
            throw ConfigError(path: "training.objective", message: "self-supervised training found no component for this data and model "
                              + "(no consistency head applies, no sequence, no profile or attribute columns)")
        }
        return (SelfSupervisedScores(columns: columns, training: training), fit)
    }
}

extension ExperimentRunner {
    /// How many of a sample's most extreme features the `extremes` column averages.
    static let extremeFeatures = 3

    /// The `extremes` surprise of every sample: per numeric feature of the export, the larger of
    /// its two −log empirical tail shares among the training samples (ECOD's two tails,
    /// `TailStandardizer`; a missing value 0), and per sample the mean of its `extremeFeatures`
    /// largest. ECOD sums every feature's tail, so one or two features far out (a share of clicks
    /// no normal account has, ratings far from the item's mean) drown among a hundred ordinary
    /// ones; the autoencoders judge the row as a whole. The few largest keep a pattern that
    /// breaks one or two features — and averaging three, not taking the largest, keeps a normal
    /// sample's single unlucky feature among a hundred from counting as much. Not fitted on
    /// labels, nor on anything but the training samples' values.
    static func extremes(_ features: [[Double]], training: [Int]) -> [Float?] {
        let tails = features.map { values in TailStandardizer(fitting: training.map { Float(values[$0]) }) }
        let n = features.first?.count ?? 0, k = min(extremeFeatures, features.count)
        var largest = [Float](repeating: 0, count: features.count)
        return (0..<n).map { i in
            for (j, values) in features.enumerated() {
                let v = Float(values[i])
                largest[j] = max(tails[j](v), tails[j].lower(v))
            }
            largest.sort(by: >)
            return largest.prefix(k).reduce(0, +) / Float(k)
        }
    }

    /// Refuses an objective the model cannot follow, before any data is read.
    func checkObjective(_ objective: TrainingOptions.LabelObjective, classical: ModelOptions.ClassicalChoice?) throws {
        if options.training.pretrainedEncoders && !(objective == .semiSupervised && classical == nil) {
            throw ConfigError(path: "training.pretrained_encoders", message: "is true, but only a semi_supervised run of model.type neural pre-trains "
                              + "encoders (training.objective is \(objective.rawValue), model.type \(classical?.definition.name ?? "neural")): set it to false")
        }
        // The labelled fraction's settings, where set away from their defaults: only semi_supervised draws one.
        let fractionSettings: [(path: String, value: String)] = [
            options.training.labelFraction < 1 ? ("training.label_fraction", "\(options.training.labelFraction)") : nil,
            options.training.labelStrata != .standard ? ("training.label_strata", options.training.labelStrata.rawValue) : nil,
        ].compactMap { $0 }
        if objective != .semiSupervised, let set = fractionSettings.first {
            throw ConfigError(path: set.path, message: "is \(set.value), but only semi_supervised draws a labelled fraction "
                              + "(training.objective is \(objective.rawValue)): remove it")
        }
    }

    /// Semi-supervised pre-training: the self-supervised components fitted on every training
    /// sample of the label-free copy of `dataset` (`table` is its feature export; columns of
    /// surprises already in it are not read), for a classifier to fine-tune on.
    func pretrainSelfSupervised(modelOptions: ModelOptions, modelConfig: JSONValue, modalities: [Modality], schema: DatasetSchema,
                                dataset: PreparedDataset, table: FeatureTable, seed: Int, fold: Int?,
                                reporter: ProgressReporter) throws -> SelfSupervisedScores {
        var rows = table
        rows.columns = rows.columns.filter { !$0.name.hasPrefix("surprise_") }
        let (scores, _) = try selfSupervisedScores(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema,
                                                   data: dataset.withoutLabels(), table: rows, seed: seed, fold: fold, reporter: reporter)
        return scores
    }

    /// Semi-supervised pre-training for a classical classifier (`pretrainSelfSupervised`), its
    /// standardised columns and combined score appended to `table` as `surprise_ssl_<column>`
    /// features (out-of-fold for training rows, as the heads' surprises are).
    func appendSelfSupervisedFeatures(modelOptions: ModelOptions, modelConfig: JSONValue, modalities: [Modality], schema: DatasetSchema,
                                      dataset: PreparedDataset, seed: Int, fold: Int?, reporter: ProgressReporter,
                                      into table: inout FeatureTable) throws -> SelfSupervisedScores {
        let scores = try pretrainSelfSupervised(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema,
                                                dataset: dataset, table: table, seed: seed, fold: fold, reporter: reporter)
        let inputs = PretrainedInputs(scores, modalities: modalities, sampleCount: dataset.sampleCount)
        table.columns += inputs.featureColumns
        reporter.log("semi-supervised: \(inputs.names.count) self-supervised features pre-trained on all \(dataset.indices(.train).count) training samples")
        return scores
    }
}

extension ExperimentRunner {
    /// Each sample's mean and max next-event surprise, cross-fitted (`SelfSupervisedScores.crossFitted`),
    /// from the model `training.next_event_model` names or (`auto`) the one that predicts the `heldOut` samples' events better: the learned
    /// one (`NeuralNextEventModel`) or the first-order one (`NextEventModel`), both fitted on every
    /// training sample and compared by their mean negative log-likelihood per held-out event over
    /// the fields both predict — a label-free criterion (how well each models behaviour it has not
    /// seen); the first-order model when there is no held-out event.
    func nextEventSurprises(_ sequence: SequenceFeatures, training: [Int], heldOut: [Int], sampleCount n: Int, folds: Int, seed: Int,
                            reporter: ProgressReporter) throws -> (means: [Float?], maxima: [Float?]) {
        let markov = NextEventModel(fitting: sequence, samples: training)
        let neuralSeed = UInt64(seed) &* 977 &+ 17
        let choice = options.training.nextEventModel
        var neural: NeuralNextEventModel?
        if choice != .firstOrder {
            let model = NeuralNextEventModel(fitting: sequence, samples: training, seed: neuralSeed)
            try model.fit(sequence, samples: training, seed: neuralSeed)
            neural = model
        }
        var learned = choice == .learned
        if choice == .auto, let neural {
            let events = heldOut.reduce(0) { $0 + Int(sequence.lengths[$1]) }
            let shared = Set(0..<markov.fieldNames.count)
            var markovNLL = 0.0, neuralNLL = 0.0
            for (i, surprises) in zip(heldOut, neural.eventSurprises(sequence, samples: heldOut, fields: shared)) {
                markovNLL += Double(markov.surprise(sample: i, in: sequence)?.mean ?? 0) * Double(sequence.lengths[i])
                neuralNLL += surprises.reduce(0.0) { $0 + Double($1) }
            }
            learned = events > 0 && neuralNLL < markovNLL
            reporter.log(String(format: "self-supervised: next-event models on %d held-out validation events (no label): %.4f nats per event first-order, "
                                + "%.4f learned (%@); the %@ one is used", events, markovNLL / Double(max(events, 1)), neuralNLL / Double(max(events, 1)),
                                neural.fieldNames.joined(separator: ", "), learned ? "learned" : "first-order"))
        } else {
            reporter.log("self-supervised: the \(learned ? "learned" : "first-order") next-event model (training.next_event_model)")
        }
        if !learned {
            let surprises = SelfSupervisedScores.crossFitted(training: training, sampleCount: n, folds: folds, seed: UInt64(seed)) { fitOn, judge in
                let model = fitOn.count == training.count ? markov : NextEventModel(fitting: sequence, samples: fitOn)
                return judge.map { model.surprise(sample: $0, in: sequence) }
            }.map { $0 ?? nil }
            return (surprises.map { $0?.mean }, surprises.map { $0?.max })
        }
        var round: UInt64 = 0
        let surprises = try SelfSupervisedScores.crossFitted(training: training, sampleCount: n, folds: folds, seed: UInt64(seed)) { fitOn, judge in
            round += 1
            var model = neural!
            if fitOn.count != training.count {
                model = NeuralNextEventModel(fitting: sequence, samples: fitOn, seed: neuralSeed &+ round)
                try model.fit(sequence, samples: fitOn, seed: neuralSeed &+ round)
            }
            return model.eventSurprises(sequence, samples: judge).map(NeuralNextEventModel.summary)
        }.map { $0 ?? nil }
        return (surprises.map { $0?.mean }, surprises.map { $0?.max })
    }
}
