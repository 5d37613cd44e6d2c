import Foundation
import Datasets

/// Next-event modelling of behaviour sequences without labels: a first-order (Markov) model of
/// each event field given the same field of the event before, counted over the training
/// samples' windows. A sample's surprise is the negative log-likelihood of its events — their
/// mean and their max — so a window whose events follow one another as nobody else's do
/// (a burst of zero gaps, a rating bucket after an item nobody rates so) stands out.
///
/// Fields, from the dataset's schema alone: every sequence token field with at most
/// `maxVocabulary` values (event type, category, gap bucket, hour, extra token columns; a large
/// item vocabulary is too sparse for transitions and is left out), and every event float with
/// training bucket edges, as its bucket (`ConsistencyTarget.bucket`; 0 when missing).
/// Transitions are smoothed towards the field's unigram frequencies (add-one) with the weight
/// of `smoothing` pseudo-events, so a rare previous value falls back on how common the value is.
public struct NextEventModel: Sendable {
    struct Field: Sendable {
        var name: String
        var size: Int
        /// `[size × size]`: −log p(next | previous), row = previous.
        var transitionNLL: [Float]
        /// −log p(value) for a window's first event.
        var firstNLL: [Float]
    }
    let fields: [Field]
    /// How field values are read off the sequence: a token field, or a float's bucket.
    let sources: [Source]
    enum Source: Sendable { case token(Int), floatBucket(Int, edges: [Float]) }

    public var fieldNames: [String] { fields.map(\.name) }

    /// Counts transitions over the windows of `samples` (the training samples).
    /// The fields read off `sequence`: token fields of at most `maxVocabulary` values, then float buckets.
    static func fieldSources(_ sequence: SequenceFeatures, maxVocabulary: Int = 256) -> [(source: Source, name: String, size: Int)] {
        var out: [(source: Source, name: String, size: Int)] = []
        for (k, f) in sequence.tokenFields.enumerated() where f.size <= maxVocabulary { out.append((.token(k), f.name, f.size)) }
        for (k, edges) in sequence.floatEdges.enumerated() where !edges.isEmpty {
            out.append((.floatBucket(k, edges: edges), sequence.floatNames[k], edges.count + 2))
        }
        return out
    }

    public init(fitting sequence: SequenceFeatures, samples: [Int], maxVocabulary: Int = 256, smoothing: Double = 1) {
        let read = Self.fieldSources(sequence, maxVocabulary: maxVocabulary)
        let (sources, names, sizes) = (read.map(\.source), read.map(\.name), read.map(\.size))
        var fields: [Field] = []
        for (s, source) in sources.enumerated() {
            let size = sizes[s]
            var pairs = [Double](repeating: 0, count: size * size), singles = [Double](repeating: 0, count: size)
            for i in samples {
                let n = Int(sequence.lengths[i])
                var previous = -1
                for t in 0..<n {
                    let v = Self.value(source, sequence: sequence, sample: i, event: t)
                    singles[v] += 1
                    if previous >= 0 { pairs[previous * size + v] += 1 }
                    previous = v
                }
            }
            let total = singles.reduce(0, +)
            let unigram = singles.map { ($0 + 1) / (total + Double(size)) }
            var transition = [Float](repeating: 0, count: size * size)
            for u in 0..<size {
                var rowTotal = 0.0
                for v in 0..<size { rowTotal += pairs[u * size + v] }
                for v in 0..<size {
                    transition[u * size + v] = Float(-log((pairs[u * size + v] + smoothing * unigram[v]) / (rowTotal + smoothing)))
                }
            }
            fields.append(Field(name: names[s], size: size, transitionNLL: transition, firstNLL: unigram.map { Float(-log($0)) }))
        }
        self.fields = fields
        self.sources = sources
    }

    static func value(_ source: Source, sequence: SequenceFeatures, sample i: Int, event t: Int) -> Int {
        let position = i * sequence.maxLength + t
        switch source {
        case let .token(k):
            return Int(sequence.tokenFields[k].values[position])
        case let .floatBucket(k, edges):
            let width = sequence.floatNames.count
            if !sequence.floatMissing.isEmpty && sequence.floatMissing[position * width + k] != 0 { return 0 }
            return 1 + ConsistencyTarget.bucket(sequence.floats[position * width + k], edges: edges)
        }
    }

    /// The mean and the max over the sample's events of −log p(event | event before), summed over
    /// fields (in nats); nil for a sample without events.
    public func surprise(sample i: Int, in sequence: SequenceFeatures) -> (mean: Float, max: Float)? {
        let n = Int(sequence.lengths[i])
        guard n > 0, !fields.isEmpty else { return nil }
        var previous = [Int](repeating: -1, count: fields.count)
        var sum: Float = 0, largest = -Float.infinity
        for t in 0..<n {
            var nll: Float = 0
            for (f, field) in fields.enumerated() {
                let v = Self.value(sources[f], sequence: sequence, sample: i, event: t)
                nll += previous[f] < 0 ? field.firstNLL[v] : field.transitionNLL[previous[f] * field.size + v]
                previous[f] = v
            }
            sum += nll
            largest = Swift.max(largest, nll)
        }
        return (sum / Float(n), largest)
    }
}
