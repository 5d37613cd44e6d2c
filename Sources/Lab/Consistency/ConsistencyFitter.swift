import Foundation
import Tensor
import NN
import Datasets
import Models
import Support

/// Cross-fitted consistency surprises for every sample, and their training statistics.
public struct ConsistencyFit {
    public var specs: [ConsistencyHeadSpec]
    /// Raw surprises in nats.
    public var raw: SurpriseTable
    /// Sorted training surprises per head: the reference for percentiles in explanations and for
    /// the scalings the classifier reads (`scaled`).
    public var trainingSurprises: [[Float]]
    /// `[samples × heads]`: the target class each head found likeliest (what the sources suggest).
    public var likeliest: [Int32]
    /// Per head, its held-out gain over the training class frequencies (`HeadWorth`), measured
    /// once when fitted; empty for a fit made by hand.
    public var heldOutGains: [Double?] = []
    /// Per head, its macro one-vs-rest ROC-AUC on its own target over the held-out folds (nil:
    /// fewer than two classes seen, or more than `HeadWorth.maximumClassesForROCAUC`).
    public var heldOutTargetROCAUCs: [Double?] = []

    /// The fraction of training samples a surprise exceeds (0…1), for a head.
    public func percentile(_ value: Float, head: Int) -> Double { Self.share(below: value, in: trainingSurprises[head]) }

    /// The fraction of `sorted` below `value` (0 when empty).
    static func share(below value: Float, in sorted: [Float]) -> Double {
        sorted.isEmpty ? 0 : Double(countBelow(value, sorted)) / Double(sorted.count)
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
                    let atLeast = Float(sorted.count - Self.countBelow(v, sorted))
                    values[i * h + j] = -log((atLeast + 1) / (n + 1))
                }
            }
            for i in 0..<raw.sampleCount where raw.present[i * h + j] == 0 { values[i * h + j] = 0 }
        }
        return SurpriseTable(heads: raw.heads, values: values, present: raw.present)
    }

    /// How many of `sorted` are below `value` (binary search).
    static func countBelow(_ value: Float, _ sorted: [Float]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < value { lo = mid + 1 } else { hi = mid } }
        return lo
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
        let dataset = builder.dataset, n = dataset.sampleCount, h = specs.count
        let k = options.folds
        var values = [Float](repeating: 0, count: n * h), present = [Float](repeating: 0, count: n * h)
        var likeliest = [Int32](repeating: -1, count: n * h)
        // Held-out class probabilities of training samples, per head (empty: too many classes to keep).
        var heldOut = specs.map { $0.target.classes <= HeadWorth.maximumClassesForROCAUC ? [Float](repeating: 0, count: n * $0.target.classes) : [] }
        let train = dataset.indices(.train)
        var g = RandomGenerator(seed: seed ^ 0xC0_5157_E9C7)
        var order = train
        order.shuffle(using: &g)
        let began = Date()
        for fold in 0...k {
            // Folds 0..<k hold out a part of training; fold k is the model for everything else.
            let (fitOn, scoreOn): ([Int], [Int]) = fold < k
                ? (order.enumerated().filter { $0.offset % k != fold }.map(\.element), order.enumerated().filter { $0.offset % k == fold }.map(\.element))
                : (train, (0..<n).filter { dataset.roles[$0] != .train })
            let model = try ConsistencyModel(specs: specs, model: self.model, headHidden: options.hidden, headDropout: Float(options.dropout),
                                             schema: schema, seed: seed &+ 0x51 &* UInt64(fold + 1))
            let loss = try fitModel(model, on: fitOn, fold: fold)
            if fold < k {
                try score(model, scoreOn, values: &values, present: &present, likeliest: &likeliest, probabilities: &heldOut)
            } else {
                var none: [[Float]] = specs.map { _ in [] }
                try score(model, scoreOn, values: &values, present: &present, likeliest: &likeliest, probabilities: &none)
            }
            log(String(format: "consistency: %@ fitted on %d samples (final loss %.4f), scored %d", fold < k ? "fold \(fold + 1)/\(k)" : "full model",
                       fitOn.count, loss, scoreOn.count))
        }
        let sortedTraining = (0..<h).map { j in train.filter { present[$0 * h + j] != 0 }.map { values[$0 * h + j] }.sorted() }
        log(String(format: "consistency: %d heads cross-fitted over %d folds in %.1fs", h, k, Date().timeIntervalSince(began)))
        let names = specs.map(\.name)
        var fit = ConsistencyFit(specs: specs, raw: SurpriseTable(heads: names, values: values, present: present), trainingSurprises: sortedTraining,
                                 likeliest: likeliest)
        fit.heldOutGains = specs.indices.map { HeadWorth.heldOutGain(fit, head: $0, dataset: dataset) }
        fit.heldOutTargetROCAUCs = specs.indices.map { j in
            heldOut[j].isEmpty ? nil : HeadWorth.targetROCAUC(fit, head: j, probabilities: heldOut[j], dataset: dataset)
        }
        return fit
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

    /// Each judged sample's surprise and likeliest class per head, and — where `probabilities[j]`
    /// is not empty — its class probabilities (`[samples × classes]`).
    private func score(_ model: ConsistencyModel, _ samples: [Int], values: inout [Float], present: inout [Float], likeliest: inout [Int32],
                       probabilities: inout [[Float]]) throws {
        model.eval()
        defer { model.train(true) }
        let h = specs.count
        for start in stride(from: 0, to: samples.count, by: 512) {
            let rows = Array(samples[start..<min(start + 512, samples.count)])
            let batch = try builder.batch(rows)
            let outputs = withoutGradients { model(batch).heads }
            for (j, out) in outputs.enumerated() {
                guard let out else { continue }
                for (r, i) in rows.enumerated() where out.judged[r] {
                    values[i * h + j] = out.surprise[r]
                    present[i * h + j] = 1
                    likeliest[i * h + j] = out.likeliest[r]
                }
                guard !probabilities[j].isEmpty else { continue }
                let classes = specs[j].target.classes, z = out.logits.pointer
                probabilities[j].withUnsafeMutableBufferPointer { p in
                    for (r, i) in rows.enumerated() where out.judged[r] {
                        // Softmax of the row's logits, shifted by their maximum.
                        var top = z[r * classes]
                        for c in 1..<classes { top = max(top, z[r * classes + c]) }
                        var sum: Float = 0
                        for c in 0..<classes { let e = Foundation.exp(z[r * classes + c] - top); p[i * classes + c] = e; sum += e }
                        for c in 0..<classes { p[i * classes + c] /= sum }
                    }
                }
            }
        }
    }
}
