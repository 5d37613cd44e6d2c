import Foundation
import Tensor
import NN
import Datasets

/// A learned next-event model of behaviour sequences, trained without labels: from the `context`
/// events before it, an MLP predicts each field of an event (a softmax per field), trained on the
/// cross-entropy of the training windows' events. Where the first-order `NextEventModel` scores
/// each field given the same field of the event before, this one scores the whole event given
/// every field of several events before — joint patterns such as "the same item again, seconds
/// later, again" that no single field's transition shows.
///
/// Fields: `NextEventModel`'s (small token vocabularies, float buckets) and, when the events
/// have an `item_id`, the event's item relation: no item, the window's first item, the previous
/// event's item again, an item seen earlier in the window, or a new one — dataset-generic (it reads
/// item identity, not the item) where a large item vocabulary is too sparse to predict.
/// Input: per context slot, the one-hot values of every field and a flag for "before the window".
public final class NeuralNextEventModel: Module {
    public let hidden1: Linear, hidden2: Linear
    public let heads: [Linear]
    let reader: EventFieldReader
    public let context: Int

    public init(fitting sequence: SequenceFeatures, samples: [Int], context: Int = 3, hidden: Int = 64, seed: UInt64) {
        reader = EventFieldReader(sequence: sequence)
        self.context = context
        var g = RandomGenerator(seed: seed)
        let input = context * (reader.sizes.reduce(0, +) + 1)
        hidden1 = Linear(inputSize: input, outputSize: hidden, generator: &g)
        hidden2 = Linear(inputSize: hidden, outputSize: hidden, generator: &g)
        heads = reader.sizes.map { Linear(inputSize: hidden, outputSize: $0, generator: &g) }
    }

    public var children: [(String, any Module)] {
        [("hidden1", hidden1), ("hidden2", hidden2)] + indexedChildren("heads", heads)
    }

    public var fieldNames: [String] { reader.names }
    var inputWidth: Int { hidden1.inputSize }

    /// Every field's logits for a batch of inputs `[B, inputWidth]`.
    func callAsFunction(_ x: Tensor) -> [Tensor] {
        let h = hidden2(hidden1(x).tanh()).tanh()
        return heads.map { $0(h) }
    }

    /// The (sample, event) pairs of `samples`' windows.
    static func events(of samples: [Int], in sequence: SequenceFeatures) -> [(sample: Int, event: Int)] {
        var out: [(Int, Int)] = []
        for i in samples { for t in 0..<Int(sequence.lengths[i]) { out.append((i, t)) } }
        return out
    }

    /// The inputs and per-field targets of `events` (values from `values`, a sample's fields per event).
    func batch(_ events: ArraySlice<(sample: Int, event: Int)>, values: [Int: [[Int32]]]) -> (Tensor, [[Int32]]) {
        let width = inputWidth, slot = width / context
        let x = Tensor(zeros: [events.count, width])
        var targets = [[Int32]](repeating: [], count: reader.sizes.count)
        for f in targets.indices { targets[f].reserveCapacity(events.count) }
        let offsets = reader.offsets
        for (r, e) in events.enumerated() {
            let fields = values[e.sample]!
            for l in 1...context {
                let base = r * width + (l - 1) * slot
                let t = e.event - l
                if t < 0 { x.pointer[base + slot - 1] = 1; continue }
                for f in fields.indices { x.pointer[base + offsets[f] + Int(fields[f][t])] = 1 }
            }
            for f in fields.indices { targets[f].append(fields[f][e.event]) }
        }
        return (x, targets)
    }

    /// AdamW on the events of `samples`' windows: `epochs` passes (each over at most
    /// `eventsPerEpoch` events, drawn anew each pass) in shuffled batches.
    public func fit(_ sequence: SequenceFeatures, samples: [Int], epochs: Int = 4, eventsPerEpoch: Int = 60_000, batchSize: Int = 256,
                    learningRate: Float = 2e-3, seed: UInt64) throws {
        let values = reader.values(of: samples, in: sequence)
        let all = Self.events(of: samples, in: sequence)
        guard !all.isEmpty else { return }
        let optimizer = try AdamW(parameters: ParameterBuffer(module: self), learningRate: learningRate, weightDecay: 1e-4)
        var g = RandomGenerator(seed: seed ^ 0x4E37_E7E7)
        train(true)
        for _ in 0..<epochs {
            var order = all
            order.shuffle(using: &g)
            let used = order.prefix(eventsPerEpoch)
            for start in stride(from: used.startIndex, to: used.endIndex, by: batchSize) {
                let (x, targets) = batch(used[start..<min(start + batchSize, used.endIndex)], values: values)
                let logits = self(x)
                var loss = softmaxCrossEntropy(logits[0], labels: targets[0])
                for f in 1..<logits.count { loss = loss + softmaxCrossEntropy(logits[f], labels: targets[f]) }
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
            }
        }
        train(false)
    }

    /// Per event of each of `samples`, −log p(event | the events before) summed over fields (in
    /// nats); `fields` limits the sum to those field indices (nil: all).
    public func eventSurprises(_ sequence: SequenceFeatures, samples: [Int], fields: Set<Int>? = nil) -> [[Float]] {
        let values = reader.values(of: samples, in: sequence)
        let events = Self.events(of: samples, in: sequence)
        var perEvent = [Float](repeating: 0, count: events.count)
        withoutGradients {
            for start in stride(from: 0, to: events.count, by: 1024) {
                let slice = events[start..<min(start + 1024, events.count)]
                let (x, targets) = batch(slice, values: values)
                for (f, logits) in self(x).enumerated() where fields?.contains(f) ?? true {
                    let nll = softmaxCrossEntropy(logits, labels: targets[f], reduction: .none)
                    for r in 0..<slice.count { perEvent[start + r] += nll.pointer[r] }
                }
            }
        }
        var out: [[Float]] = [], k = 0
        for i in samples {
            let n = Int(sequence.lengths[i])
            out.append(Array(perEvent[k..<(k + n)]))
            k += n
        }
        return out
    }

    /// The mean and max of a sample's event surprises; nil for a window without events.
    public static func summary(_ surprises: [Float]) -> (mean: Float, max: Float)? {
        guard let largest = surprises.max() else { return nil }
        return (surprises.reduce(0, +) / Float(surprises.count), largest)
    }
}

/// The event fields a next-event model predicts, read off a `SequenceFeatures`: the first-order
/// model's fields (`NextEventModel.fieldSources`) and the item relation where events have items.
struct EventFieldReader: Sendable {
    let sources: [NextEventModel.Source]
    let names: [String]
    let sizes: [Int]
    /// The item token field's index, when the events have one (the item relation is the last field).
    let itemField: Int?
    /// Item relation values: 0 no item, 1 the window's first item (or the first event with one), 2 the previous event's item, 3 an earlier one, 4 a new one.
    static let itemRelations = 5

    init(sequence: SequenceFeatures) {
        let first = NextEventModel.fieldSources(sequence)
        itemField = sequence.tokenFields.firstIndex { $0.name == "item_id" }
        sources = first.map(\.source)
        names = first.map(\.name) + (itemField == nil ? [] : ["item_relation"])
        sizes = first.map(\.size) + (itemField == nil ? [] : [Self.itemRelations])
    }

    /// Where each field's one-hot block starts in a context slot.
    var offsets: [Int] {
        var out: [Int] = [], at = 0
        for s in sizes { out.append(at); at += s }
        return out
    }

    /// Per sample, per field, the value of each of its events.
    func values(of samples: [Int], in sequence: SequenceFeatures) -> [Int: [[Int32]]] {
        var out: [Int: [[Int32]]] = [:]
        for i in samples {
            let n = Int(sequence.lengths[i])
            var fields = sources.map { source in (0..<n).map { Int32(NextEventModel.value(source, sequence: sequence, sample: i, event: $0)) } }
            if let itemField {
                let items = sequence.tokenFields[itemField].values
                var seen = Set<Int32>(), relation = [Int32]()
                var previous: Int32 = -1
                for t in 0..<n {
                    // Padding and <missing> are no item; <unk> (a rare item) cannot be compared: a new one.
                    let item = items[i * sequence.maxLength + t]
                    let known = item >= 3
                    relation.append(item <= 0 || item == Vocabulary.missing ? 0 : seen.isEmpty ? 1
                                    : !known ? 4 : item == previous ? 2 : seen.contains(item) ? 3 : 4)
                    if item > 0 && item != Vocabulary.missing { seen.insert(item) }
                    previous = known ? item : -1
                }
                fields.append(relation)
            }
            out[i] = fields
        }
        return out
    }
}
