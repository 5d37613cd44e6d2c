import Datasets
import Models

/// Every numeric column of a feature matrix joined by its two −log empirical tail shares among
/// the training samples (one `TailStandardizer`: `tail_hi_<name>` for "this large or larger", its
/// `callAsFunction`; `tail_lo_<name>` for "this small or smaller", its `lower`); categorical columns pass through unchanged.
/// Fitted on the unlabelled training rows (no label read), so a semi-supervised classifier fitted
/// on a few hundred labelled rows reads each feature on the scale of its rarity in the whole
/// training population — the ECOD view of every feature, one weight per tail — beside the raw
/// value, whose heavy tail a few labelled rows cannot place alone. A missing value stays missing
/// in the raw column and is 0 in both tails.
struct TailFeatures: Sendable {
    /// The source matrix's numeric columns, with their standardisers.
    let numeric: [(column: Int, tails: TailStandardizer)]
    let categorical: [Int]
    let names: [String]
    let cardinalities: [Int?]

    /// What `transform` writes for each numeric column, in adjacent output columns, in this order.
    enum Part: Int, CaseIterable {
        case value, upper, lower
        /// The output column's name: this prefix and the source column's.
        var prefix: String { switch self { case .value: ""; case .upper: "tail_hi_"; case .lower: "tail_lo_" } }
    }

    /// The output column of numeric column `k`'s `part`; the categorical columns follow the last.
    @inline(__always) static func column(_ k: Int, _ part: Part) -> Int { Part.allCases.count * k + part.rawValue }

    /// The output column holding numeric source column `j`'s value (nil: `j` is not numeric).
    func valueColumn(of j: Int) -> Int? { numeric.firstIndex { $0.column == j }.map { Self.column($0, .value) } }

    /// `transform`'s tail columns (`tail_hi_`, `tail_lo_`), ascending.
    var tailColumns: [Int] { numeric.indices.flatMap { [Self.column($0, .upper), Self.column($0, .lower)] } }

    /// Fitted on `rows` of `matrix` (the training samples).
    init(fitting matrix: FeatureMatrix, rows: [Int]) {
        let c = matrix.columns
        var numeric: [(Int, TailStandardizer)] = [], categorical: [Int] = []
        for j in 0..<c {
            if matrix.cardinalities[j] != nil { categorical.append(j); continue }
            numeric.append((j, TailStandardizer(fitting: rows.map { matrix.values[$0 * c + j] })))
        }
        self.numeric = numeric
        self.categorical = categorical
        names = numeric.flatMap { n in Part.allCases.map { $0.prefix + matrix.names[n.0] } }
            + categorical.map { matrix.names[$0] }
        cardinalities = [Int?](repeating: nil, count: Self.column(numeric.count, .value)) + categorical.map { matrix.cardinalities[$0] }
    }

    /// `x` (same columns as the fitted matrix) in tail shares.
    func transform(_ x: FeatureMatrix) -> FeatureMatrix {
        let c = x.columns, width = names.count
        var out = [Float](repeating: 0, count: x.rows * width)
        for r in 0..<x.rows {
            for (k, column) in numeric.enumerated() {
                let v = x.values[r * c + column.column]
                out[r * width + Self.column(k, .value)] = v
                out[r * width + Self.column(k, .upper)] = column.tails(v)
                out[r * width + Self.column(k, .lower)] = column.tails.lower(v)
            }
            let first = Self.column(numeric.count, .value)
            for (k, j) in categorical.enumerated() { out[r * width + first + k] = x.values[r * c + j] }
        }
        return FeatureMatrix(rows: x.rows, names: names, cardinalities: cardinalities, values: out)
    }
}

/// A classical model that reads a matrix through a fitted `TailFeatures`: fitted and scored on the
/// transformed columns, so it scores (and is attributed on) the same matrices as any other model.
final class TailFeatureModel: ClassicalModel {
    let inner: any ClassicalModel
    let tails: TailFeatures

    init(_ inner: any ClassicalModel, tails: TailFeatures) { self.inner = inner; self.tails = tails }

    func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try inner.fit(tails.transform(train), labels: labels, valid: valid.map { (tails.transform($0.features), $0.labels) })
    }

    func score(_ x: FeatureMatrix) -> [Float] { inner.score(tails.transform(x)) }

    var summary: String { inner.summary + " on the tail shares of \(tails.numeric.count) numeric columns" }
}
