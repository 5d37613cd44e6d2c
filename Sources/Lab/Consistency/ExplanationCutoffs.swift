import Datasets
import Models

/// When a consistency check counts as failed in an explanation: its surprise is above
/// `quantile` of the *normal* training samples' surprises for that head. Calibrating on all
/// training samples would let the anomalies among them raise the bar (with 10% anomalies, the
/// 99th percentile of all sits among the anomalies themselves, and few checks ever fire).
/// Labels are read for this only, in a supervised run; the fits themselves never see them.
struct ExplanationCutoffs {
    let fit: ConsistencyFit
    let quantile: Double
    /// Per surprise column, the sorted surprises of normal training samples the head could judge.
    let normalTraining: [[Float]]

    init(fit: ConsistencyFit, dataset: PreparedDataset, quantile: Double) {
        self.fit = fit
        self.quantile = quantile
        let normal = dataset.indices(.train).filter { dataset.labels[$0] == 0 }
        normalTraining = fit.raw.heads.indices.map { j in normal.compactMap { fit.raw.value(sample: $0, head: j) }.sorted() }
    }

    /// Cut-offs a run saved (`RunArtefacts`), over the surprises of other samples (`fit`).
    init(fit: ConsistencyFit, quantile: Double, normalTraining: [[Float]]) {
        self.fit = fit; self.quantile = quantile; self.normalTraining = normalTraining
    }

    /// The share of normal training samples a surprise exceeds (0…1).
    func percentile(_ value: Float, head: Int) -> Double { ConsistencyFit.share(below: value, in: normalTraining[head]) }

    /// The checks sample `i` failed, most surprising first; `head` is a surprise column (a
    /// per-event head's mean and max are separate checks).
    func failed(sample i: Int) -> [(head: Int, percentile: Double, surprise: Float)] {
        var out: [(head: Int, percentile: Double, surprise: Float)] = []
        for j in fit.raw.heads.indices {
            guard let v = fit.raw.value(sample: i, head: j) else { continue }
            let p = percentile(v, head: j)
            if p >= quantile { out.append((j, p, v)) }
        }
        return out.sorted { $0.percentile != $1.percentile ? $0.percentile > $1.percentile : $0.surprise > $1.surprise }
    }

    /// The share of the anomalies among `samples` with at least one failed check (nil without anomalies).
    func coverage(of samples: [Int], dataset: PreparedDataset) -> Double? {
        let positives = samples.filter { dataset.labels[$0] == 1 }
        guard !positives.isEmpty else { return nil }
        return Double(positives.filter { !failed(sample: $0).isEmpty }.count) / Double(positives.count)
    }
}
