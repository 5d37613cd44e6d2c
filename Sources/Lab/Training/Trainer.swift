import Foundation
import Tensor
import NN
import Datasets
import Models
import Support

/// One epoch's record, as written to history.csv.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var validLoss: Double
    public var validROCAUC: Double?
    public var validAveragePrecision: Double?
    public var validF1: Double?
    public var learningRate: Double
    public var seconds: Double
}

public struct TrainingOutcome {
    public var history: [EpochRecord]
    public var bestEpoch: Int
    /// The best epoch's early-stopping score on validation, signed so that higher is better
    /// (the loss counts negatively).
    public var bestScore: Double
    public var stoppedEarly: Bool
    public var resumedFromEpoch: Int?
    /// The sparsity `training.pruning` reached in the restored weights (nil: no pruning).
    public var pruning: PruningSummary?
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(epoch: Int, step: Int, lastCheckpoint: String?)
    case badResumeState(path: String, reason: String)
    case noTrainingSamples
    case interrupted(afterEpoch: Int)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, step, checkpoint):
            "the training loss became NaN or infinite at epoch \(epoch), step \(step); stopped. "
                + (checkpoint.map { "The last good state (end of the previous epoch) is kept at \($0). " } ?? "")
                + "Lower training.optimizer.lr, keep training.clip_norm above 0, or check the data for extreme values."
        case let .badResumeState(path, reason): "cannot resume from \(path): \(reason). Delete it to start over."
        case .noTrainingSamples: "the training split is empty; check data.split"
        case let .interrupted(epoch): "interrupted after epoch \(epoch); continue with --resume"
        }
    }
}

/// Trains a model: seeded shuffling, AdamW/SGD with warm-up and decay, clipping, class
/// imbalance handling, early stopping on a validation metric with the best weights restored,
/// and an epoch-level resume state.
public final class Trainer {
    public let model: MultimodalModel
    public let builder: BatchBuilder
    public let options: TrainingOptions
    public let seed: UInt64
    public let reporter: ProgressReporter
    public let lossWeights: LossWeights
    /// Per-sample features every batch carries (the consistency surprises; nil: none).
    public let extra: SampleFeatures?
    /// Where the resume state is kept (nil: no state is saved).
    public let statePath: String?
    /// Saved with the resume state; a state saved under another fingerprint is refused.
    public let configFingerprint: String?
    /// The samples whose labels training and early stopping read (`LabelledSamples`).
    public let samples: LabelledSamples

    /// Weights of the auxiliary losses beside the binary one (from the `model` section).
    public struct LossWeights: Sendable {
        /// The anomaly-type head's cross-entropy (`model.anomaly_type_head.weight`).
        public var anomalyTypeHead: Double
        /// The jointly trained consistency heads' loss (`model.consistency.joint_weight`).
        public var consistencyHeads: Double
        public init(anomalyTypeHead: Double = 0.2, consistencyHeads: Double = 0) {
            self.anomalyTypeHead = anomalyTypeHead; self.consistencyHeads = consistencyHeads
        }
    }

    /// Where the epoch-level resume state goes, and the fingerprint of the config it belongs to.
    public struct StateFile: Sendable {
        public var path: String
        public var configFingerprint: String?
        public init(path: String, configFingerprint: String? = nil) { self.path = path; self.configFingerprint = configFingerprint }
    }

    public init(model: MultimodalModel, builder: BatchBuilder, training options: TrainingOptions, lossWeights: LossWeights = .init(),
                extra: SampleFeatures? = nil, samples: LabelledSamples? = nil, seed: UInt64, reporter: ProgressReporter, state: StateFile?) {
        self.model = model; self.builder = builder; self.options = options; self.lossWeights = lossWeights; self.extra = extra; self.seed = seed
        self.reporter = reporter; self.statePath = state?.path; self.configFingerprint = state?.configFingerprint
        self.samples = samples ?? LabelledSamples(everyOf: builder.dataset)
    }

    public func fit(resume: Bool) throws -> TrainingOutcome {
        let dataset = builder.dataset
        let (train, valid) = (samples.train, samples.valid)
        guard !train.isEmpty else { throw TrainingError.noTrainingSamples }
        let batchSize = options.batchSize, epochs = options.epochs
        let parameters = ParameterBuffer(module: model)
        let optimizer = try makeOptimizer(parameters)
        let stepsPerEpoch = (train.count + batchSize - 1) / batchSize
        let totalSteps = stepsPerEpoch * epochs
        let schedule = try LearningRateSchedule(
            peak: optimizer.learningRate, warmupSteps: Int(options.schedule.warmupFraction * Double(totalSteps)),
            totalSteps: totalSteps, decay: LearningRateSchedule.Decay(rawValue: options.schedule.decay)!,
            minRatio: Float(options.schedule.minRatio))
        let positiveWeight = Self.positiveWeight(labels: dataset.labels, samples: train)
        let metric = options.earlyStopping.metric, patience = options.earlyStopping.patience
        let scorer = Scorer(model: model, builder: builder, batchSize: max(batchSize, 256), extra: extra)
        let group = ProcessGroup.active

        var state = ResumeState(bestValues: Storage(count: parameters.count))
        state.bestValues.pointer.update(from: parameters.values.pointer, count: parameters.count)
        var resumedFrom: Int?
        if resume, let statePath, FileManager.default.fileExists(atPath: statePath) {
            state = try ResumeState.load(statePath, parameters: parameters, optimizer: optimizer, configFingerprint: configFingerprint)
            resumedFrom = state.completedEpochs
            reporter.log("resumed from \(statePath) after epoch \(state.completedEpochs)")
        }

        // After a resume, the masks are the restored weights' zeros.
        let pruning = options.pruning.isOn
            ? TrainingPruning(options.pruning, model: model, parameters: parameters, stepsPerEpoch: stepsPerEpoch, epochs: epochs) : nil
        var step = state.completedEpochs * stepsPerEpoch
        let started = Date()
        var stoppedEarly = state.badEpochs >= patience
        var epoch = state.completedEpochs
        while epoch < epochs && !stoppedEarly {
            let epochStart = Date()
            model.train(true)
            // Masks and order depend only on (seed, epoch): a resumed run repeats them exactly.
            model.reseedRandomness(seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch))
            let order = epochOrder(train, epoch: epoch, balanced: options.imbalance == .balancedSampling)
            var lossSum = 0.0
            for (k, start) in stride(from: 0, to: order.count, by: batchSize).enumerated() {
                let global = order[start..<min(start + batchSize, order.count)]
                // Data parallel: this rank's share of the global batch; its mean loss weighted by
                // the share's size, so the summed gradients are the global batch's mean.
                let local = group.share(of: global)
                pruning?.beforeStep(step)
                optimizer.zeroGrad()
                var value = 0.0
                if !local.isEmpty {
                    var loss = try batchLoss(Array(local), positiveWeight: positiveWeight)
                    if group.size > 1 { loss = loss * (Float(local.count) / Float(global.count)) }
                    value = Double(loss.item)
                    loss.backward()
                }
                if group.size > 1 {
                    try group.sum(parameters.gradients, count: parameters.count)
                    value = try group.sum(value)
                }
                guard value.isFinite else {
                    throw TrainingError.nonFiniteLoss(epoch: epoch + 1, step: k + 1,
                                                      lastCheckpoint: statePath.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil })
                }
                pruning?.beforeUpdate()
                if let clip = options.maxGradientNorm { _ = clipGradientNorm(parameters, maxNorm: Float(clip)) }
                optimizer.learningRate = schedule.learningRate(atStep: step)
                optimizer.step()
                pruning?.afterUpdate()
                step += 1
                BufferPool.shared.endStep()
                lossSum += value
                let elapsed = Date().timeIntervalSince(epochStart)
                let done = min(start + batchSize, order.count)
                let rate = Double(done) / max(elapsed, 1e-9)
                let remainingSamples = Double(order.count - done) + Double((epochs - epoch - 1) * order.count)
                reporter.step(epoch: epoch + 1, epochs: epochs, step: k + 1, steps: stepsPerEpoch, loss: lossSum / Double(k + 1),
                              samplesPerSecond: rate, secondsLeft: remainingSamples / rate)
            }
            // Validation.
            let scored = try scorer.score(valid)
            let labels = valid.map { dataset.labels[$0] == 1 }
            let f1Threshold = RankingCurve(scores: scored.scores, labels: labels).thresholdMaximizingF1()
            let validMetrics = Evaluator.evaluate(scores: scored.scores, labels: labels, types: valid.map { dataset.anomalyTypes[$0] },
                                                  threshold: f1Threshold, precisionAt: [])
            let record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(stepsPerEpoch), validLoss: scored.loss,
                                     validROCAUC: validMetrics.rocAUC, validAveragePrecision: validMetrics.averagePrecision, validF1: validMetrics.f1,
                                     learningRate: Double(optimizer.learningRate), seconds: Date().timeIntervalSince(epochStart))
            // Higher is better for the score; the loss counts negatively.
            let value: Double? = metric == "loss" ? -record.validLoss
                : MetricRegistry.named(metric).flatMap { m in m.value(validMetrics).map { m.higherIsBetter ? $0 : -$0 } }
            // An undefined metric (a one-class validation split) falls back to the loss.
            let score = value ?? -record.validLoss
            // While pruning ramps up, an epoch can be neither best nor bad.
            let eligible = pruning?.isFineTuning(epoch: epoch + 1) ?? true
            if eligible && (state.bestEpoch == 0 || score > state.bestScore) {
                state.bestScore = score
                state.bestEpoch = epoch + 1
                state.badEpochs = 0
                state.bestValues.pointer.update(from: parameters.values.pointer, count: parameters.count)
            } else if eligible {
                state.badEpochs += 1
            }
            state.history.append(record)
            state.completedEpochs = epoch + 1
            reporter.log(String(format: "epoch %d: train loss %.4f, valid loss %.4f, valid ROC-AUC %@, AP %@ (%.1fs)%@",
                                epoch + 1, record.trainLoss, record.validLoss, Self.text(record.validROCAUC),
                                Self.text(record.validAveragePrecision), record.seconds, state.bestEpoch == epoch + 1 ? "  best" : ""))
            if let pruning { reporter.log(String(format: "pruning: sparsity %.4f of the Linear and convolution weights (target %.4f by epoch %d)",
                                                 pruning.pruner.sparsity, pruning.options.targetSparsity, pruning.lastPruningEpoch)) }
            if let statePath { try state.save(statePath, parameters: parameters, optimizer: optimizer, configFingerprint: configFingerprint) }
            if interruptAfterEpoch == epoch + 1 { throw TrainingError.interrupted(afterEpoch: epoch + 1) }
            stoppedEarly = state.badEpochs >= patience
            if stoppedEarly { reporter.log("early stopping: no \(metric) improvement for \(patience) epochs; best epoch \(state.bestEpoch)") }
            epoch += 1
        }
        // Restore the best epoch's weights.
        parameters.values.pointer.update(from: state.bestValues.pointer, count: parameters.count)
        reporter.log(String(format: "training done in %.1fs; best epoch %d", Date().timeIntervalSince(started), state.bestEpoch))
        return TrainingOutcome(history: state.history, bestEpoch: state.bestEpoch, bestScore: state.bestScore, stoppedEarly: stoppedEarly,
                               resumedFromEpoch: resumedFrom, pruning: pruning?.summary)
    }

    /// Stops (as if killed) once this many epochs are complete and saved: for resume tests.
    public var interruptAfterEpoch: Int?


    /// The training loss of one batch: the classifier's (weighted as `training.imbalance` says),
    /// plus the anomaly-type head's and the joint consistency heads' where configured.
    func batchLoss(_ samples: [Int], positiveWeight: Float) throws -> Tensor {
        let batch = try builder.batch(samples, extra: extra)
        let out = model(batch)
        var loss: Tensor
        switch options.imbalance {
        case .posWeight: loss = binaryCrossEntropyWithLogits(out.logit, batch.labels, positiveWeight: positiveWeight)
        case .focal: loss = focalLoss(out.logit, batch.labels, alpha: Float(options.focal.alpha), gamma: Float(options.focal.gamma))
        case .balancedSampling, .none: loss = binaryCrossEntropyWithLogits(out.logit, batch.labels)
        }
        if let typeLogits = out.anomalyTypeLogits {
            let weight = Float(lossWeights.anomalyTypeHead)
            loss = loss + softmaxCrossEntropy(typeLogits, labels: batch.anomalyClasses, ignoreIndex: -1) * weight
        }
        if let consistencyLoss = out.consistencyLoss, lossWeights.consistencyHeads > 0 {
            loss = loss + consistencyLoss * Float(lossWeights.consistencyHeads)
        }
        return loss
    }

    func makeOptimizer(_ parameters: ParameterBuffer) throws -> any Optimizer {
        switch options.optimizer {
        case let .sgd(lr, momentum, weightDecay):
            return try SGD(parameters: parameters, learningRate: Float(lr), momentum: Float(momentum), weightDecay: Float(weightDecay))
        case let .adamw(lr, weightDecay, beta1, beta2):
            return try AdamW(parameters: parameters, learningRate: Float(lr), beta1: Float(beta1), beta2: Float(beta2), weightDecay: Float(weightDecay))
        }
    }

    /// The epoch's sample order: a seeded shuffle, or balanced draws with replacement.
    func epochOrder(_ train: [Int], epoch: Int, balanced: Bool) -> [Int] {
        var g = RandomGenerator(seed: seed ^ (0xA5A5_0000 &+ UInt64(epoch) &* 0x1000_0000_01B3))
        if balanced {
            let positives = train.filter { builder.dataset.labels[$0] == 1 }, negatives = train.filter { builder.dataset.labels[$0] == 0 }
            if !positives.isEmpty && !negatives.isEmpty {
                return (0..<train.count).map { k in
                    let pool = k % 2 == 0 ? positives : negatives
                    return pool[g.nextInt(below: pool.count)]
                }
            }
        }
        var order = train
        order.shuffle(using: &g)
        return order
    }

    /// `pos_weight`: negatives over positives among `samples` (1 without positives).
    static func positiveWeight(labels: [Float], samples: [Int]) -> Float {
        let positives = samples.filter { labels[$0] == 1 }.count
        return positives > 0 ? Float(samples.count - positives) / Float(positives) : 1
    }

    static func text(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "undefined" }
}
