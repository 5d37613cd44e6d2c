import Foundation
import Datasets
import Models
import Support

extension RunFiles {
    /// explanations.csv: for each scored sample, the consistency checks it failed — heads whose
    /// surprise exceeds the cut-offs' quantile of the normal training samples' — most surprising
    /// first, with a sentence a reviewer can act on (for a per-event head, about the event that
    /// disagreed most).
    func writeExplanations(_ dataset: PreparedDataset, scored: [ScoredSamples], threshold: Double, cutoffs: ExplanationCutoffs) throws {
        var t = CSVTable(header: ["sample_id", "split", "label", "anomaly_type", "score", "predicted", "failed_checks", "explanation"])
        for s in scored {
            for (k, i) in s.samples.enumerated() {
                let (checks, sentence) = Self.explain(sample: i, cutoffs: cutoffs, dataset: dataset)
                t.append([dataset.sampleIDs[i], dataset.roles[i].description, CSVTable.number(Double(dataset.labels[i])),
                          dataset.anomalyTypes[i].isEmpty ? "normal" : dataset.anomalyTypes[i], CSVTable.number(s.scores[k]),
                          s.scores[k] >= threshold ? "1" : "0", checks, sentence])
            }
        }
        try t.write(to: path("explanations.csv"))
    }

    /// Sample `i`'s failed checks ("head (p99.5); …") and the sentence about the first of them
    /// ("" when none failed).
    static func explain(sample i: Int, cutoffs: ExplanationCutoffs, dataset: PreparedDataset) -> (checks: String, sentence: String) {
        let fit = cutoffs.fit, columns = fit.columns, h = fit.raw.heads.count
        let failed = cutoffs.failed(sample: i)
        let checks = failed.map { String(format: "%@ (p%.1f)", fit.raw.heads[$0.head], 100 * $0.percentile) }.joined(separator: "; ")
        let sentence = failed.first.map { f in
            let column = columns[f.head], spec = fit.specs[column.head], likeliest = fit.likeliest[i * h + f.head]
            guard column.aggregate != .sample else {
                return String(format: "%@ (surprise %.2f nats, above %.1f%% of normal training samples)",
                              Self.mismatch(spec, sample: i, likeliest: likeliest, dataset: dataset), f.surprise, 100 * f.percentile)
            }
            let events = Int(fit.judgedEvents[i * h + f.head])
            return String(format: "%@ (%@ surprise %.2f nats over %d event%@, above %.1f%% of normal training samples)",
                          Self.eventMismatch(spec, sample: i, position: Int(fit.worstEvent[i * h + f.head]), likeliest: likeliest, dataset: dataset),
                          column.aggregate == .mean ? "mean" : "max", f.surprise, events, events == 1 ? "" : "s", 100 * f.percentile)
        } ?? ""
        return (checks, sentence)
    }
}

extension RunFiles {
    /// "the image suggests attributes.category_id = `bags`, but it is `shoes`".
    static func mismatch(_ spec: ConsistencyHeadSpec, sample i: Int, likeliest: Int32, dataset: PreparedDataset) -> String {
        let sources = spec.sourceModalities.map { $0 == .sequence ? "the behaviour sequence" : "the \($0.rawValue)" }
            + spec.sourceFields.map { "\($0.modality.rawValue).\($0.name)" }
        let verb = sources.count == 1 ? "suggests" : "suggest"
        let declared = declaredClass(spec.target, sample: i, dataset: dataset)
        return "\(sources.joined(separator: " and ")) \(verb) \(spec.target.path) \(describe(spec.target, likeliest, dataset))"
            + ", but it is \(declared.map { describe(spec.target, $0, dataset) } ?? "unknown")"
    }

    /// The sample's own class of a target, read from the prepared dataset.
    static func declaredClass(_ target: ConsistencyTarget, sample i: Int, dataset: PreparedDataset) -> Int32? {
        switch target {
        case let .categorical(m, column, _, _):
            guard let t = m == .profile ? dataset.profile : dataset.attributes else { return nil }
            return t.categorical[i * t.categoricalSizes.count + column]
        case let .floatBucket(m, column, _, edges, _):
            guard let t = m == .profile ? dataset.profile : dataset.attributes else { return nil }
            let v = t.floats[i * t.floatWidth + column]
            return Int32(ConsistencyTarget.bucket(v, edges: edges))
        case let .lastEvent(field, _):
            guard let f = dataset.sequence.field(field) else { return nil }
            let n = Int(dataset.sequence.lengths[i])
            return n > 0 ? f.values[i * dataset.sequence.maxLength + n - 1] : nil
        case .eventToken, .eventFloatBucket:
            return nil   // per event: see `eventMismatch`
        }
    }

    /// A class of a target in words: "= `shoes`", or a quantile range for bucketed floats.
    static func describe(_ target: ConsistencyTarget, _ k: Int32, _ dataset: PreparedDataset) -> String {
        let index = Int(k)
        switch target {
        case let .categorical(m, column, _, _):
            let tokens = (m == .profile ? dataset.profile : dataset.attributes)?.categoricalTokens[column]
            return tokens.map { index < $0.count ? "= `\($0[index])`" : "= #\(index)" } ?? "= #\(index)"
        case let .lastEvent(field, _), let .eventToken(field, _):
            let tokens = dataset.sequence.field(field)?.tokens
            return tokens.map { index < $0.count ? "= `\($0[index])`" : "= #\(index)" } ?? "= #\(index)"
        case let .eventFloatBucket(_, column, edges):
            return "in " + bucketRange(column: column, bucket: index, buckets: edges.count + 1, dataset)
        case .floatBucket:
            let levels = TabularFeatures.quantileLevels
            func pct(_ q: Double) -> String { String(format: "%g", 100 * q) }
            if index == 0 { return "below the \(pct(levels[0]))th training percentile" }
            if index >= levels.count { return "above the \(pct(levels[levels.count - 1]))th training percentile" }
            return "between the \(pct(levels[index - 1]))th and \(pct(levels[index]))th training percentiles"
        }
    }
}

extension RunFiles {
    /// A per-event head's most surprising event of a sample, in words: "event 7 (item_id `i42`):
    /// rating 5 where its item_id suggests 2". A float's bucket is named by the training values it
    /// holds, in original units when the column came straight from events.csv.
    static func eventMismatch(_ spec: ConsistencyHeadSpec, sample i: Int, position p: Int, likeliest: Int32, dataset: PreparedDataset) -> String {
        let sequence = dataset.sequence, at = i * sequence.maxLength + p
        func token(_ field: String) -> String {
            guard let f = sequence.field(field) else { return "?" }
            let v = Int(f.values[at])
            return f.tokens.map { v < $0.count ? "`\($0[v])`" : "#\(v)" } ?? "#\(v)"
        }
        let sources = spec.sourceFields.map { "\($0.name) \(token($0.name))" }.joined(separator: ", ")
        let names = spec.sourceFields.map(\.name)
        let verb = names.count == 1 ? "suggests" : "suggest"
        let field: String, declared: String, suggested: String
        switch spec.target {
        case let .eventToken(name, _):
            field = name
            declared = token(name)
            suggested = describe(spec.target, likeliest, dataset).dropFirst(2).description
        case let .eventFloatBucket(name, column, edges):
            field = name
            let z = sequence.floats[at * sequence.floatNames.count + column]
            if column < sequence.floatStandardizers.count, let s = sequence.floatStandardizers[column] {
                declared = number(Double(z) * s.std + s.mean)
            } else {
                declared = "in " + bucketRange(column: column, bucket: ConsistencyTarget.bucket(z, edges: edges), buckets: edges.count + 1, dataset)
            }
            suggested = bucketRange(column: column, bucket: Int(likeliest), buckets: edges.count + 1, dataset)
        default:
            return spec.target.path
        }
        return "event \(p + 1) (\(sources)): \(field) \(declared) where its \(names.joined(separator: " and ")) \(verb) \(suggested)"
    }

    /// A bucket of an event float as the training values it holds ("2", "1.5–2.5"), in original
    /// units where known, else "bucket k of n".
    static func bucketRange(column: Int, bucket k: Int, buckets: Int, _ dataset: PreparedDataset) -> String {
        let sequence = dataset.sequence
        guard column < sequence.floatStandardizers.count, let s = sequence.floatStandardizers[column],
              column < sequence.floatBucketRanges.count, k < sequence.floatBucketRanges[column].count else { return "bucket \(k + 1) of \(buckets)" }
        let range = sequence.floatBucketRanges[column][k]
        let low = number(Double(range.lowerBound) * s.std + s.mean), high = number(Double(range.upperBound) * s.std + s.mean)
        return low == high ? low : "\(low)–\(high)"
    }

    /// A value for a sentence: 4 significant digits (a standardised 5 comes back as 4.9999998).
    static func number(_ v: Double) -> String {
        Swift.abs(v) >= 1e4 ? String(format: "%.0f", v) : String(format: "%.4g", v)
    }
}
