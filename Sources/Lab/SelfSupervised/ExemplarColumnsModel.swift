import Datasets
import Models
import Support

/// A classifier fitted on the columns that single out the labelled anomalies, one by one: for
/// each labelled anomaly, the `perAnomaly` `candidates` in which it is rarest among the labelled
/// normal samples — the fewest of them at least as large; a tie goes to the column in which its
/// value is larger, then to the earlier column — and the classifier reads the union of those
/// columns only (a `ColumnSubsetModel` chosen at fit). `tail_ensemble` gives it the tail shares
/// (`TailFeatureModel`, candidates `TailFeatures.tailColumns`), where a larger value is rarer
/// among all training samples.
///
/// Why: on a few hundred labelled rows, each anomaly type is far out in one or two of a few
/// hundred tail columns (a price against its listing, an image against its brand), and a forest
/// over all of them draws those few columns at a split too rarely to carry 2–3 anomalies of a
/// type; the labelled anomalies themselves say which columns matter. The selection reads the
/// labels it is fitted on only, so inside cross-validation it is redone in every fold.
final class ExemplarColumnsModel: ClassicalModel {
    let inner: any ClassicalModel
    let candidates: [Int]
    let perAnomaly: Int
    private var fitted: ColumnSubsetModel?

    init(_ inner: any ClassicalModel, candidates: [Int], perAnomaly: Int) {
        precondition(perAnomaly > 0, "an exemplar model selects at least one column per anomaly")
        self.inner = inner; self.candidates = candidates; self.perAnomaly = perAnomaly
    }

    /// The columns the classifier reads, ascending; empty before `fit`.
    var selected: [Int] { fitted?.columns ?? [] }

    func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        fitted = nil
        let columns = Self.exemplarColumns(train, candidates: candidates, labels: labels, perAnomaly: perAnomaly)
        guard !columns.isEmpty else {
            throw ClassicalModelError(model: "tail_ensemble", message: "the labelled rows hold no anomaly or no normal sample, so no column singles one out")
        }
        let subset = ColumnSubsetModel(inner, columns: columns)
        try subset.fit(train, labels: labels, valid: valid)
        fitted = subset
    }

    func score(_ x: FeatureMatrix) -> [Float] {
        guard let fitted else { preconditionFailure("the exemplar model scored before it was fitted") }
        return fitted.score(x)
    }

    var summary: String { inner.summary + " on the \(selected.count) columns that single out the labelled anomalies" }

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
            let ranked = zip(candidates, sortedNormals).map { j, sorted -> (atLeast: Int, value: Float, column: Int) in
                let v = x.values[a * c + j]
                return (sorted.count - sorted.countBelow(v), v, j)
            }.sorted { ($0.atLeast, -$0.value, $0.column) < ($1.atLeast, -$1.value, $1.column) }
            for entry in ranked.prefix(perAnomaly) { union.insert(entry.column) }
        }
        return union.sorted()
    }
}
