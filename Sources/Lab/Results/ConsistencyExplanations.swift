import Foundation
import Datasets
import Models
import Support

extension RunFiles {
    /// explanations.csv: for each scored sample, the consistency checks it failed — heads whose
    /// surprise exceeds the cut-offs' quantile of the normal training samples' — most surprising
    /// first, with a sentence a reviewer can act on.
    func writeExplanations(_ dataset: PreparedDataset, scored: [ScoredSamples], threshold: Double, cutoffs: ExplanationCutoffs) throws {
        let fit = cutoffs.fit
        var t = CSVTable(header: ["sample_id", "split", "label", "anomaly_type", "score", "predicted", "failed_checks", "explanation"])
        for s in scored {
            for (k, i) in s.samples.enumerated() {
                let failed = cutoffs.failed(sample: i)
                let checks = failed.map { String(format: "%@ (p%.1f)", fit.specs[$0.head].name, 100 * $0.percentile) }.joined(separator: "; ")
                let sentence = failed.first.map { f in
                    String(format: "%@ (surprise %.2f nats, above %.1f%% of normal training samples)",
                           Self.mismatch(fit.specs[f.head], sample: i, likeliest: fit.likeliest[i * fit.specs.count + f.head], dataset: dataset),
                           f.surprise, 100 * f.percentile)
                } ?? ""
                t.append([dataset.sampleIDs[i], dataset.roles[i].description, CSVTable.number(Double(dataset.labels[i])),
                          dataset.anomalyTypes[i].isEmpty ? "normal" : dataset.anomalyTypes[i], CSVTable.number(s.scores[k]),
                          s.scores[k] >= threshold ? "1" : "0", checks, sentence])
            }
        }
        try t.write(to: path("explanations.csv"))
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
            return Int32(edges.filter { v > $0 }.count)
        case let .lastEvent(field, _):
            guard let f = dataset.sequence.field(field) else { return nil }
            let n = Int(dataset.sequence.lengths[i])
            return n > 0 ? f.values[i * dataset.sequence.maxLength + n - 1] : nil
        }
    }

    /// A class of a target in words: "= `shoes`", or a quantile range for bucketed floats.
    static func describe(_ target: ConsistencyTarget, _ k: Int32, _ dataset: PreparedDataset) -> String {
        let index = Int(k)
        switch target {
        case let .categorical(m, column, _, _):
            let tokens = (m == .profile ? dataset.profile : dataset.attributes)?.categoricalTokens[column]
            return tokens.map { index < $0.count ? "= `\($0[index])`" : "= #\(index)" } ?? "= #\(index)"
        case let .lastEvent(field, _):
            let tokens = dataset.sequence.field(field)?.tokens
            return tokens.map { index < $0.count ? "= `\($0[index])`" : "= #\(index)" } ?? "= #\(index)"
        case .floatBucket:
            let levels = TabularFeatures.quantileLevels
            func pct(_ q: Double) -> String { String(format: "%g", 100 * q) }
            if index == 0 { return "below the \(pct(levels[0]))th training percentile" }
            if index >= levels.count { return "above the \(pct(levels[levels.count - 1]))th training percentile" }
            return "between the \(pct(levels[index - 1]))th and \(pct(levels[index]))th training percentiles"
        }
    }
}
