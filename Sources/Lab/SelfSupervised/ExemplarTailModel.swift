import Datasets
import Models

/// A classifier fitted on the tail shares that single out the labelled anomalies, one by one: for
/// each labelled anomaly, the `perAnomaly` tail columns (`TailFeatures`' `tail_hi_` / `tail_lo_`)
/// in which it is rarest among the labelled normal samples — the fewest of them at least as far
/// out; a tie goes to the column in which it is rarer among all training samples, then to the
/// earlier column — and the classifier reads the union of those columns only.
///
/// Why: on a few hundred labelled rows, each anomaly type is far out in one or two of a few
/// hundred tail columns (a price against its listing, an image against its brand), and a forest
/// over all of them draws those few columns at a split too rarely to carry 2–3 anomalies of a
/// type; the labelled anomalies themselves say which columns matter. The selection reads the
/// labels it is fitted on only, so inside cross-validation it is redone in every fold.
final class ExemplarTailModel: ClassicalModel {
    let inner: any ClassicalModel
    let tails: TailFeatures
    let perAnomaly: Int
    /// Columns of `tails.transform`'s output the classifier reads, ascending; set by `fit`.
    private(set) var selected: [Int] = []

    init(_ inner: any ClassicalModel, tails: TailFeatures, perAnomaly: Int) {
        precondition(perAnomaly > 0, "an exemplar model selects at least one column per anomaly")
        self.inner = inner; self.tails = tails; self.perAnomaly = perAnomaly
    }

    func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        let transformed = tails.transform(train)
        selected = Self.exemplarColumns(transformed, candidates: tails.tailColumns, labels: labels, perAnomaly: perAnomaly)
        guard !selected.isEmpty else {
            throw ClassicalModelError(model: "tail_ensemble", message: "the labelled rows hold no anomaly or no normal sample, so no column singles one out")
        }
        try inner.fit(transformed.selecting(columns: selected), labels: labels,
                      valid: valid.map { (tails.transform($0.features).selecting(columns: selected), $0.labels) })
    }

    func score(_ x: FeatureMatrix) -> [Float] {
        guard !selected.isEmpty else { preconditionFailure("the exemplar model scored before it was fitted") }
        return inner.score(tails.transform(x).selecting(columns: selected))
    }

    var summary: String { inner.summary + " on the \(selected.count) tail columns that single out the labelled anomalies" }

    /// For each row labelled 1, the `perAnomaly` `candidates` of `x` in which the fewest rows
    /// labelled 0 are at least as large as its value (ties: its larger value, then the earlier
    /// candidate); their union, ascending. Empty when either class is absent.
    static func exemplarColumns(_ x: FeatureMatrix, candidates: [Int], labels: [Float], perAnomaly: Int) -> [Int] {
        let c = x.columns
        let anomalies = labels.indices.filter { labels[$0] == 1 }, normals = labels.indices.filter { labels[$0] != 1 }
        guard !anomalies.isEmpty && !normals.isEmpty else { return [] }
        // Each candidate's normal values, sorted, so a count is one binary search.
        let sortedNormals = candidates.map { j in normals.map { x.values[$0 * c + j] }.sorted() }
        var union = Set<Int>()
        for a in anomalies {
            let ranked = candidates.indices.map { k -> (atLeast: Int, value: Float, column: Int) in
                let v = x.values[a * c + candidates[k]], sorted = sortedNormals[k]
                var lo = 0, hi = sorted.count
                while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < v { lo = mid + 1 } else { hi = mid } }
                return (sorted.count - lo, v, candidates[k])
            }.sorted { ($0.atLeast, -$0.value, $0.column) < ($1.atLeast, -$1.value, $1.column) }
            for entry in ranked.prefix(perAnomaly) { union.insert(entry.column) }
        }
        return union.sorted()
    }
}
