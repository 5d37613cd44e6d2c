import Foundation
import Datasets
import Models
import Support

extension RunFiles {
    /// explanations.csv: for each scored sample, the consistency checks it failed — heads whose
    /// surprise exceeds `percentile` of the training samples' — most surprising first, with a
    /// sentence a reviewer can act on.
    func writeExplanations(_ dataset: PreparedDataset, scored: [ScoredSamples], threshold: Double, fit: ConsistencyFit,
                           percentile: Double = 0.99) throws {
        var t = CSVTable(header: ["sample_id", "split", "label", "anomaly_type", "score", "predicted", "failed_checks", "explanation"])
        for s in scored {
            for (k, i) in s.samples.enumerated() {
                var failed: [(head: Int, percentile: Double, surprise: Float)] = []
                for j in fit.specs.indices {
                    guard let v = fit.raw.value(sample: i, head: j) else { continue }
                    let p = fit.percentile(v, head: j)
                    if p >= percentile { failed.append((j, p, v)) }
                }
                failed.sort { $0.percentile != $1.percentile ? $0.percentile > $1.percentile : $0.surprise > $1.surprise }
                let checks = failed.map { String(format: "%@ (p%.1f)", fit.specs[$0.head].name, 100 * $0.percentile) }.joined(separator: "; ")
                let sentence = failed.first.map { f in
                    String(format: "%@ (surprise %.2f nats, above %.1f%% of training samples)", fit.specs[f.head].mismatchSentence, f.surprise, 100 * f.percentile)
                } ?? ""
                t.append([dataset.sampleIDs[i], dataset.roles[i].description, CSVTable.number(Double(dataset.labels[i])),
                          dataset.anomalyTypes[i].isEmpty ? "normal" : dataset.anomalyTypes[i], CSVTable.number(s.scores[k]),
                          s.scores[k] >= threshold ? "1" : "0", checks, sentence])
            }
        }
        try t.write(to: path("explanations.csv"))
    }
}

extension ConsistencyHeadSpec {
    /// "the image does not fit its declared attributes.category_id".
    public var mismatchSentence: String {
        let sources = sourceModalities.map { $0 == .sequence ? "the behaviour sequence" : "the \($0.rawValue)" }
            + sourceFields.map { "\($0.modality.rawValue).\($0.name)" }
        return "\(target.path) does not fit \(sources.joined(separator: " and "))"
    }
}
