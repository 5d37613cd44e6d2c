import Datasets
import Models
import Support
import Tensor

/// A classifier fitted on the columns that single out the labelled anomalies, one by one: for
/// each labelled anomaly, the `perAnomaly` `candidates` in which it is rarest among the labelled
/// normal samples — the fewest of them at least as large; a tie goes to the column in which its
/// value is larger, then to the earlier column — and the classifier reads the union of those
/// columns only (a `ColumnSubsetModel` chosen at fit). `tail_ensemble` gives it the tail shares
/// (`TailFeatureModel`, candidates `TailFeatures.tailColumns`), where a larger value is rarer
/// among all training samples.
///
/// Each labelled anomaly also lends its values in its own columns to `syntheticPerAnomaly`
/// labelled normal samples drawn at random (seeded), which join the fit as anomalies: it is
/// anomalous for how far out it is in its columns, whatever the other anomalies' columns hold, and
/// a tree should not learn its exact values there as part of the rule.
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
    let syntheticPerAnomaly: Int
    let seed: UInt64
    private var fitted: ColumnSubsetModel?

    init(_ inner: any ClassicalModel, candidates: [Int], perAnomaly: Int, syntheticPerAnomaly: Int, seed: UInt64) {
        precondition(perAnomaly > 0, "an exemplar model selects at least one column per anomaly")
        precondition(syntheticPerAnomaly >= 0, "a negative count of synthetic anomalies")
        self.inner = inner; self.candidates = candidates; self.perAnomaly = perAnomaly
        self.syntheticPerAnomaly = syntheticPerAnomaly; self.seed = seed
    }

    /// The columns the classifier reads, ascending; empty before `fit`.
    var selected: [Int] { fitted?.columns ?? [] }

    func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        fitted = nil
        let exemplars = Self.columnsPerAnomaly(train, candidates: candidates, labels: labels, perAnomaly: perAnomaly)
        let columns = Set(exemplars.flatMap(\.columns)).sorted()
        guard !columns.isEmpty else {
            throw ClassicalModelError(model: "tail_ensemble", message: "the labelled rows hold no anomaly or no normal sample, so no column singles one out")
        }
        let (x, y) = Self.withSyntheticAnomalies(train, labels: labels, exemplars: exemplars, copies: syntheticPerAnomaly, seed: seed)
        let subset = ColumnSubsetModel(inner, columns: columns)
        try subset.fit(x, labels: y, valid: valid)
        fitted = subset
    }

    func score(_ x: FeatureMatrix) -> [Float] {
        guard let fitted else { preconditionFailure("the exemplar model scored before it was fitted") }
        return fitted.score(x)
    }

    var summary: String {
        inner.summary + " on the \(selected.count) columns that single out the labelled anomalies"
            + (syntheticPerAnomaly > 0 ? ", with \(syntheticPerAnomaly) synthetic anomalies per labelled one" : "")
    }

    /// For each row labelled 1, in row order, the `perAnomaly` `candidates` of `x` in which the
    /// fewest rows labelled 0 are at least as large as its value (ties: its larger value, then the
    /// earlier candidate). Empty when either class is absent.
    static func columnsPerAnomaly(_ x: FeatureMatrix, candidates: [Int], labels: [Float], perAnomaly: Int) -> [(row: Int, columns: [Int])] {
        let c = x.columns
        let anomalies = labels.indices.filter { labels[$0] == 1 }, normals = labels.indices.filter { labels[$0] != 1 }
        guard !anomalies.isEmpty && !normals.isEmpty else { return [] }
        // Each candidate's normal values, sorted, so a count is one binary search.
        let sortedNormals = candidates.map { j in normals.map { x.values[$0 * c + j] }.sorted() }
        return anomalies.map { a in
            let ranked = zip(candidates, sortedNormals).map { j, sorted -> (atLeast: Int, value: Float, column: Int) in
                let v = x.values[a * c + j]
                return (sorted.count - sorted.countBelow(v), v, j)
            }.sorted { ($0.atLeast, -$0.value, $0.column) < ($1.atLeast, -$1.value, $1.column) }
            return (a, ranked.prefix(perAnomaly).map(\.column))
        }
    }

    /// `x` and `labels` followed by `copies` synthetic anomalies per exemplar: a row labelled 0,
    /// drawn uniformly (with replacement, seeded), carrying the exemplar's values in its columns.
    static func withSyntheticAnomalies(_ x: FeatureMatrix, labels: [Float], exemplars: [(row: Int, columns: [Int])], copies: Int, seed: UInt64)
        -> (features: FeatureMatrix, labels: [Float]) {
        let normals = labels.indices.filter { labels[$0] != 1 }
        guard copies > 0 && !normals.isEmpty && !exemplars.isEmpty else { return (x, labels) }
        let c = x.columns
        var g = RandomGenerator(seed: seed ^ 0x5A17_C0DE)
        var values = x.values, extended = labels
        values.reserveCapacity(x.values.count + exemplars.count * copies * c)
        for (anomaly, columns) in exemplars {
            for _ in 0..<copies {
                let base = normals[g.nextInt(below: normals.count)], start = values.count
                values.append(contentsOf: x.values[base * c ..< (base + 1) * c])
                for j in columns { values[start + j] = x.values[anomaly * c + j] }
                extended.append(1)
            }
        }
        return (FeatureMatrix(rows: extended.count, names: x.names, cardinalities: x.cardinalities, values: values), extended)
    }
}
