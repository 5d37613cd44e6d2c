import Foundation
import Tensor
import NN
import Datasets
import Models
import Support

/// Cross-fitted consistency surprises for every sample, and their training statistics. Every
/// per-column array is indexed by surprise column (`SurpriseColumn`: one per head, two for a
/// per-event head), as `raw` is.
public struct ConsistencyFit {
    public var specs: [ConsistencyHeadSpec]
    /// Raw surprises in nats.
    public var raw: SurpriseTable
    /// Sorted training surprises per column: the reference for percentiles in explanations and for
    /// the scalings the classifier reads (`scaled`).
    public var trainingSurprises: [[Float]]
    /// `[samples × columns]`: the target class each head found likeliest (what the sources
    /// suggest) — for a per-event head, at the sample's most surprising event.
    public var likeliest: [Int32]
    /// Per column, its head's held-out gain over the training class frequencies (`HeadWorth`;
    /// per event for a per-event head), measured once when fitted; empty for a fit made by hand.
    public var heldOutGains: [Double?] = []
    /// Per column, its head's macro one-vs-rest ROC-AUC on its own target over the held-out folds
    /// (nil: fewer than two classes seen, or more than `HeadWorth.maximumClassesForROCAUC`).
    public var heldOutTargetROCAUCs: [Double?] = []
    /// `[samples × columns]` for per-event heads (−1 / 0 elsewhere; empty for a fit without such
    /// heads): the window position of the sample's most surprising event, and how many events were judged.
    public var worstEvent: [Int32] = []
    public var judgedEvents: [Int32] = []
    /// The model fitted on the whole training split, which judged every other sample: what a
    /// run folder saves (`consistency.safetensors`) to judge new samples (nil for a fit made by hand).
    public var fullModel: ConsistencyModel?

    /// The surprise columns, in `raw`'s order.
    public var columns: [SurpriseColumn] { specs.surpriseColumns }

    /// The fraction of training samples a surprise exceeds (0…1), for a head.
    public func percentile(_ value: Float, head: Int) -> Double { Self.share(below: value, in: trainingSurprises[head]) }

    /// The fraction of `sorted` below `value` (0 when empty).
    static func share(below value: Float, in sorted: [Float]) -> Double {
        sorted.isEmpty ? 0 : Double(sorted.countBelow(value)) / Double(sorted.count)
    }

    /// The surprises as the classifier reads them, scaled per head with training samples only.
    public func scaled(_ scaling: SurpriseScaling) -> SurpriseTable {
        let h = raw.heads.count
        var values = raw.values
        for j in 0..<h {
            let sorted = trainingSurprises[j], n = Float(sorted.count)
            let mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / n
            let variance = sorted.isEmpty ? 0 : sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let std = max(variance.squareRoot(), 1e-3)
            for i in 0..<raw.sampleCount where raw.present[i * h + j] != 0 {
                let v = raw.values[i * h + j]
                switch scaling {
                case .standard: values[i * h + j] = (v - mean) / std
                case .tail:
                    // −log of the (add-one smoothed) share of training samples at least as surprising.
                    let atLeast = Float(sorted.count - sorted.countBelow(v))
                    values[i * h + j] = -log((atLeast + 1) / (n + 1))
                }
            }
            for i in 0..<raw.sampleCount where raw.present[i * h + j] == 0 { values[i * h + j] = 0 }
        }
        return SurpriseTable(heads: raw.heads, values: values, present: raw.present)
    }

}

/// Fits consistency models by K-fold cross-fitting over the training split: each training
/// sample's surprise comes from the model trained on the other folds; validation, test and any
/// other sample's from a model trained on the whole training split. No anomaly label is read.
public struct ConsistencyFitter {
    public var specs: [ConsistencyHeadSpec]
    /// Everything of `model.consistency` the fit reads (and the cache keys on).
    public var options: ConsistencyFitOptions
    /// The model options: their encoders are built for the heads' sources.
    public var model: ModelOptions
    public var schema: DatasetSchema
    public var builder: BatchBuilder
    public var seed: UInt64
    public var log: (String) -> Void

    public init(specs: [ConsistencyHeadSpec], options: ConsistencyFitOptions, model: ModelOptions, schema: DatasetSchema,
                builder: BatchBuilder, seed: UInt64, log: @escaping (String) -> Void) {
        self.specs = specs; self.options = options; self.model = model; self.schema = schema; self.builder = builder; self.seed = seed; self.log = log
    }

    public func fit() throws -> ConsistencyFit {
        let dataset = builder.dataset, n = dataset.sampleCount, columns = specs.surpriseColumns, h = columns.count
        let k = options.folds
        var table = ScoreTable(n: n, columns: h)
        let train = dataset.indices(.train)
        // Held-out class probabilities of training samples, per head (empty: too many classes to
        // keep, or a per-event head, whose events are kept in `events`).
        var heldOut = specs.map { $0.target.classes <= HeadWorth.maximumClassesForROCAUC && !$0.target.isPerEvent
            ? [Float](repeating: 0, count: n * $0.target.classes) : [] }
        let trainingEvents = train.reduce(0) { $0 + Int(dataset.sequence.lengths[$1]) }
        var events: [EventRecords]? = specs.map { EventRecords(keepsProbabilities: $0.target.classes <= HeadWorth.maximumClassesForROCAUC
                                                  && trainingEvents * $0.target.classes <= HeadWorth.maximumHeldOutEventProbabilities) }
        var g = RandomGenerator(seed: seed ^ 0xC0_5157_E9C7)
        var order = train
        order.shuffle(using: &g)
        let began = Date()
        var fullModel: ConsistencyModel?
        for fold in 0...k {
            // Folds 0..<k hold out a part of training; fold k is the model for everything else.
            let (fitOn, scoreOn): ([Int], [Int]) = fold < k
                ? (order.enumerated().filter { $0.offset % k != fold }.map(\.element), order.enumerated().filter { $0.offset % k == fold }.map(\.element))
                : (train, (0..<n).filter { dataset.roles[$0] != .train })
            let model = try ConsistencyModel(specs: specs, model: self.model, headHidden: options.hidden, headDropout: Float(options.dropout),
                                             schema: schema, seed: seed &+ 0x51 &* UInt64(fold + 1))
            let loss = try fitModel(model, on: fitOn, fold: fold)
            if fold < k {
                try score(model, scoreOn, into: &table, probabilities: &heldOut, events: &events)
            } else {
                fullModel = model
                var none: [[Float]] = specs.map { _ in [] }
                var noEvents: [EventRecords]? = nil
                try score(model, scoreOn, into: &table, probabilities: &none, events: &noEvents)
            }
            log(String(format: "consistency: %@ fitted on %d samples (final loss %.4f), scored %d", fold < k ? "fold \(fold + 1)/\(k)" : "full model",
                       fitOn.count, loss, scoreOn.count))
        }
        let (values, present) = (table.values, table.present)
        let sortedTraining = (0..<h).map { j in train.filter { present[$0 * h + j] != 0 }.map { values[$0 * h + j] }.sorted() }
        log(String(format: "consistency: %d heads cross-fitted over %d folds in %.1fs", specs.count, k, Date().timeIntervalSince(began)))
        var fit = ConsistencyFit(specs: specs, raw: SurpriseTable(heads: columns.map(\.name), values: values, present: present),
                                 trainingSurprises: sortedTraining, likeliest: table.likeliest)
        if specs.contains(where: \.target.isPerEvent) { fit.worstEvent = table.worstEvent; fit.judgedEvents = table.judgedEvents }
        fit.fullModel = fullModel
        // Per head, then copied to each of its columns (a per-event head's mean and max share them).
        let gains = specs.indices.map { j in
            specs[j].target.isPerEvent ? HeadWorth.eventGain(events![j], classes: specs[j].target.classes)
                : HeadWorth.heldOutGain(fit, head: columns.firstIndex { $0.head == j }!, dataset: dataset)
        }
        let aucs = specs.indices.map { j in
            specs[j].target.isPerEvent ? HeadWorth.eventROCAUC(events![j], classes: specs[j].target.classes)
                : heldOut[j].isEmpty ? nil
                : HeadWorth.targetROCAUC(fit, head: columns.firstIndex { $0.head == j }!, probabilities: heldOut[j], dataset: dataset)
        }
        fit.heldOutGains = columns.map { gains[$0.head] }
        fit.heldOutTargetROCAUCs = columns.map { aucs[$0.head] }
        return fit
    }

    /// What scoring fills in, `[samples × columns]`.
    struct ScoreTable {
        var values: [Float], present: [Float], likeliest: [Int32], worstEvent: [Int32], judgedEvents: [Int32]
        init(n: Int, columns h: Int) {
            values = [Float](repeating: 0, count: n * h); present = values
            likeliest = [Int32](repeating: -1, count: n * h); worstEvent = likeliest
            judgedEvents = [Int32](repeating: 0, count: n * h)
        }
    }

    private func fitModel(_ model: ConsistencyModel, on samples: [Int], fold: Int) throws -> Double {
        let parameters = ParameterBuffer(module: model)
        let optimizer = try AdamW(parameters: parameters, learningRate: Float(options.lr), weightDecay: Float(options.weightDecay))
        let batchSize = options.batchSize
        var g = RandomGenerator(seed: seed ^ (0xF01D_0000 &+ UInt64(fold)))
        var last = 0.0
        for epoch in 0..<options.epochs {
            model.train(true)
            model.reseedRandomness(seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(fold * 1000 + epoch))
            var order = samples
            order.shuffle(using: &g)
            var sum = 0.0, steps = 0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let batch = try builder.batch(Array(order[start..<min(start + batchSize, order.count)]))
                guard let loss = model(batch).loss else { continue }
                optimizer.zeroGrad()
                loss.backward()
                _ = clipGradientNorm(parameters, maxNorm: 1)
                optimizer.step()
                sum += Double(loss.item)
                steps += 1
            }
            last = steps > 0 ? sum / Double(steps) : 0
        }
        return last
    }

    /// Each judged sample's surprise(s) and likeliest class per head, and — where `probabilities[j]`
    /// is not empty — its class probabilities (`[samples × classes]`); with `events`, a per-event
    /// head's judged events (held-out folds: what `HeadWorth` measures per event).
    func score(_ model: ConsistencyModel, _ samples: [Int], into table: inout ScoreTable, probabilities: inout [[Float]],
               events: inout [EventRecords]?) throws {
        model.eval()
        defer { model.train(true) }
        let columns = specs.surpriseColumns, h = columns.count
        let first = specs.indices.map { j in columns.firstIndex { $0.head == j }! }
        for start in stride(from: 0, to: samples.count, by: 512) {
            let rows = Array(samples[start..<min(start + 512, samples.count)])
            let batch = try builder.batch(rows)
            let outputs = withoutGradients { model(batch).heads }
            for (j, out) in outputs.enumerated() {
                guard let out else { continue }
                let c = first[j]
                for (r, i) in rows.enumerated() where out.judged[r] {
                    table.values[i * h + c] = out.surprise[r]
                    table.present[i * h + c] = 1
                    table.likeliest[i * h + c] = out.likeliest[r]
                    guard let e = out.events else { continue }
                    // The max column shares the mean's event details.
                    table.values[i * h + c + 1] = e.maximum[r]
                    table.present[i * h + c + 1] = 1
                    table.likeliest[i * h + c + 1] = out.likeliest[r]
                    for d in c...(c + 1) { table.worstEvent[i * h + d] = e.worst[r]; table.judgedEvents[i * h + d] = e.counts[r] }
                }
                if let e = out.events {
                    events?[j].append(e, logits: out.logits, classes: specs[j].target.classes)
                    continue
                }
                guard !probabilities[j].isEmpty else { continue }
                let classes = specs[j].target.classes, z = out.logits.pointer
                probabilities[j].withUnsafeMutableBufferPointer { p in
                    for (r, i) in rows.enumerated() where out.judged[r] {
                        Self.softmax(z + r * classes, into: p.baseAddress! + i * classes, classes: classes)
                    }
                }
            }
        }
    }

    /// Softmax of one row of logits, shifted by their maximum.
    static func softmax(_ z: UnsafeMutablePointer<Float>, into p: UnsafeMutablePointer<Float>, classes: Int) {
        var top = z[0]
        for c in 1..<max(classes, 1) { top = max(top, z[c]) }
        var sum: Float = 0
        for c in 0..<classes { let e = Foundation.exp(z[c] - top); p[c] = e; sum += e }
        for c in 0..<classes { p[c] /= sum }
    }
}

/// A per-event head's judged events of held-out training samples: their classes, surprises and
/// (when they fit in memory) class probabilities `[events × classes]`.
struct EventRecords {
    var keepsProbabilities: Bool
    var labels: [Int32] = []
    var surprise: [Float] = []
    var probabilities: [Float] = []

    mutating func append(_ e: EventSurprises, logits: Tensor, classes: Int) {
        labels += e.labels
        surprise += e.surprise
        guard keepsProbabilities else { return }
        let start = probabilities.count
        probabilities += repeatElement(0, count: e.labels.count * classes)
        let z = logits.pointer
        probabilities.withUnsafeMutableBufferPointer { p in
            for k in e.labels.indices { ConsistencyFitter.softmax(z + k * classes, into: p.baseAddress! + start + k * classes, classes: classes) }
        }
    }
}
