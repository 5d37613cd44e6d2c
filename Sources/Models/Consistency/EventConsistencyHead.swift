import Tensor
import NN
import Datasets
import Support

/// One column of a surprise table. Most heads give one column; a head with a per-event target
/// (`sequence.events.<field>`) gives two: the mean (`<head>`) and the maximum (`<head>.max`)
/// of its events' surprises — a user whose every rating is a little off and one with a single
/// wild rating are both visible. Every column of a head shares its modalities.
public struct SurpriseColumn: Sendable, Hashable {
    public enum Aggregate: String, Sendable, Hashable {
        /// The head judges the sample as a whole.
        case sample
        /// Mean / maximum over the sample's judged events.
        case mean, max
    }
    public var name: String
    /// Index of the head (spec) the column comes from.
    public var head: Int
    public var aggregate: Aggregate
}

extension Array where Element == ConsistencyHeadSpec {
    /// The surprise columns of these heads, in head order (the layout of `SurpriseTable`s and of
    /// the evidence's input).
    public var surpriseColumns: [SurpriseColumn] {
        enumerated().flatMap { j, spec in
            spec.target.isPerEvent
                ? [SurpriseColumn(name: spec.surpriseColumns[0], head: j, aggregate: .mean), SurpriseColumn(name: spec.surpriseColumns[1], head: j, aggregate: .max)]
                : [SurpriseColumn(name: spec.name, head: j, aggregate: .sample)]
        }
    }
}

extension ConsistencyHeadSpec {
    /// A per-event head reads other token fields of the same event (`sequence.events.item_id`),
    /// each embedded by the head: modality embeddings summarise the whole window and would say
    /// nothing about one event, and the target's own field would be the answer.
    static func parseEventHead(_ head: ModelOptions.HeadDeclaration, target: ConsistencyTarget, schema: DatasetSchema,
                               path: String) throws(ConfigError) -> ConsistencyHeadSpec {
        var fields: [SourceField] = []
        let valid = schema.sequenceTokens.map { "sequence.events.\($0.name)" }.filter { $0 != target.path }
        for (k, source) in head.from.enumerated() {
            let at = "\(path).from[\(k)]"
            guard source.hasPrefix("sequence.events.") else {
                throw ConfigError(path: at, message: "\"\(source)\" is not a field of the event; a per-event target (\(target.path)) reads token fields "
                                  + "of the same event: \(valid.joined(separator: ", "))")
            }
            guard source != target.path else { throw ConfigError(path: at, message: "the head would read its own target \(source)") }
            let name = String(source.dropFirst("sequence.events.".count))
            guard let column = schema.sequenceTokens.firstIndex(where: { $0.name == name }) else {
                throw ConfigError(path: at, message: "the events have no token field \"\(name)\"; write one of \(valid.joined(separator: ", "))")
            }
            if !fields.contains(where: { $0.name == name }) {
                fields.append(SourceField(modality: .sequence, column: column, name: name, size: schema.sequenceTokens[column].size))
            }
        }
        guard !fields.isEmpty else { throw ConfigError(path: path + ".from", message: "a head needs at least one source") }
        return ConsistencyHeadSpec(name: head.name, sourceModalities: [], sourceFields: fields, target: target)
    }
}

/// A per-event head's results beyond the per-row ones of `ConsistencyHeadOutput` (whose
/// `surprise` is then the mean over the row's judged events and `likeliest` the likeliest class
/// at its most surprising event).
public struct EventSurprises {
    /// Per row: the largest surprise among its judged events (0 where none).
    public var maximum: [Float]
    /// Per row: the position of that event in the window (−1 where none).
    public var worst: [Int32]
    /// Per row: how many of its events were judged.
    public var counts: [Int32]
    /// The judged events, by row then position: their row, position, class and surprise (nats);
    /// the output's `logits` rows follow them.
    public var rows: [Int32]
    public var positions: [Int32]
    public var labels: [Int32]
    public var surprise: [Float]

    /// Mean and maximum of the events' surprises per row, and which event is the maximum.
    public static func aggregate(rows: [Int32], surprise: [Float], batchSize b: Int) -> (mean: [Float], maximum: [Float], worst: [Int], counts: [Int32]) {
        var sum = [Float](repeating: 0, count: b), maximum = [Float](repeating: 0, count: b)
        var worst = [Int](repeating: -1, count: b), counts = [Int32](repeating: 0, count: b)
        for k in rows.indices {
            let r = Int(rows[k]), s = surprise[k]
            sum[r] += s
            if worst[r] < 0 || s > maximum[r] { maximum[r] = s; worst[r] = k }
            counts[r] += 1
        }
        let mean = (0..<b).map { counts[$0] > 0 ? sum[$0] / Float(counts[$0]) : 0 }
        return (mean, maximum, worst, counts)
    }
}

extension ConsistencyHead {
    /// A per-event head on a batch: every event of a row whose sequence is present and whose
    /// target is known is judged (padding and missing targets are not); the loss is the mean
    /// cross-entropy over the batch's judged events. Only judged events go through the MLP.
    func eventOutput(batch: Batch, mask modalityMask: Tensor) -> ConsistencyHeadOutput? {
        let b = batch.size, length = batch.sequencePadding.shape[1], all = Modality.allCases.count
        let mask = modalityMask.pointer, sequence = Modality.sequence.index
        let labels = spec.target.labels(batch)
        var rows: [Int32] = [], positions: [Int32] = [], classes: [Int32] = []
        for r in 0..<b where mask[r * all + sequence] != 0 {
            for p in 0..<length where labels[r * length + p] >= 0 {
                rows.append(Int32(r)); positions.append(Int32(p)); classes.append(labels[r * length + p])
            }
        }
        let e = rows.count
        guard e > 0 else { return nil }
        var parts: [Tensor] = []
        for (field, table) in zip(spec.sourceFields, fieldEmbeddings) {
            guard let tokens = batch.sequenceTokens[field.name] else { return nil }
            var index = [Int32](repeating: 0, count: e)
            tokens.values.withUnsafeBufferPointer { t in
                for k in 0..<e { index[k] = t[Int(rows[k]) * length + Int(positions[k])] }
            }
            parts.append(table(IndexTensor(index, shape: [e])))
        }
        let logits = mlp(parts.count == 1 ? parts[0] : concat(parts, axis: 1))   // [E, classes]
        let perEvent = softmaxCrossEntropy(logits, labels: classes, ignoreIndex: -1, reduction: .none)
        let surprise = Array(UnsafeBufferPointer(start: perEvent.pointer, count: e))
        let (mean, maximum, worst, counts) = EventSurprises.aggregate(rows: rows, surprise: surprise, batchSize: b)
        let width = spec.target.classes, z = logits.pointer
        var likeliest = [Int32](repeating: 0, count: b), worstPosition = [Int32](repeating: -1, count: b)
        for r in 0..<b where worst[r] >= 0 {
            let k = worst[r]
            var best = 0
            for c in 1..<width where z[k * width + c] > z[k * width + best] { best = c }
            likeliest[r] = Int32(best)
            worstPosition[r] = positions[k]
        }
        let events = EventSurprises(maximum: maximum, worst: worstPosition, counts: counts, rows: rows, positions: positions, labels: classes,
                                    surprise: surprise)
        return ConsistencyHeadOutput(loss: perEvent.sum() * (1 / Float(e)), surprise: mean, judged: counts.map { $0 > 0 }, likeliest: likeliest,
                                     logits: logits, events: events)
    }
}
