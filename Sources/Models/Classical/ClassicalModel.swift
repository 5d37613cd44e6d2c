import Support

/// A dense per-sample feature matrix for the classical models: row-major, NaN = missing.
/// A categorical column holds integer codes `0..<cardinality` (as Float; NaN = missing), coded
/// from the training split, so a model may treat it as categories rather than as a number.
public struct FeatureMatrix: Sendable {
    public var rows: Int
    public var names: [String]
    /// Per column: its number of categories when categorical, nil when numeric.
    public var cardinalities: [Int?]
    /// `rows × names.count`, row-major.
    public var values: [Float]

    public init(rows: Int, names: [String], cardinalities: [Int?], values: [Float]) {
        precondition(names.count == cardinalities.count && values.count == rows * names.count, "feature matrix shapes disagree")
        self.rows = rows; self.names = names; self.cardinalities = cardinalities; self.values = values
    }

    public var columns: Int { names.count }

    /// The rows `indices`, in that order.
    public func selecting(rows indices: [Int]) -> FeatureMatrix {
        let c = columns
        var out = [Float](repeating: 0, count: indices.count * c)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for (k, r) in indices.enumerated() { for j in 0..<c { o[k * c + j] = v[r * c + j] } }
            }
        }
        return FeatureMatrix(rows: indices.count, names: names, cardinalities: cardinalities, values: out)
    }
}

/// Why a classical model could not be fitted, in words a user can act on.
public struct ClassicalModelError: Error, CustomStringConvertible, Equatable {
    public var model: String
    public var message: String
    public init(model: String, message: String) { self.model = model; self.message = message }
    public var description: String { "model.type \(model): \(message)" }
}

/// A model over a `FeatureMatrix`: fitted on the training rows (labels 0/1; an unsupervised
/// model ignores them), optionally watching validation rows (early stopping), then scoring any
/// rows — higher = more anomalous. Same options, data, seed and threads → identical scores.
public protocol ClassicalModel: AnyObject {
    func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError)
    func score(_ x: FeatureMatrix) -> [Float]
    /// What the run log says about the fitted model (rounds kept, support vectors, …).
    var summary: String { get }
}

/// A classical model type's options, decoded once from its validated config section.
public protocol ClassicalModelOptions: Codable, Sendable {}

/// One classical model type: its config name (`model.type`), the fields of its section
/// (`model.<name>`), and how to build it from decoded options, a seed and a thread count.
public struct ClassicalModelDefinition: Sendable {
    public var name: String
    public var doc: String
    public var fields: [ConfigField]
    /// Unsupervised models never read labels (isolation forest).
    public var usesLabels: Bool
    /// Scores are probabilities of the anomalous class (attribution then measures logit drops).
    public var scoresAreProbabilities: Bool
    public var decode: @Sendable (_ section: JSONValue) -> any ClassicalModelOptions
    public var build: @Sendable (_ options: any ClassicalModelOptions, _ seed: UInt64, _ threads: Int) -> any ClassicalModel

    public init<Options: ClassicalModelOptions>(name: String, doc: String, fields: [ConfigField], usesLabels: Bool = true,
                                                scoresAreProbabilities: Bool = false, options: Options.Type,
                                                build: @escaping @Sendable (Options, UInt64, Int) -> any ClassicalModel) {
        self.name = name; self.doc = doc; self.fields = fields; self.usesLabels = usesLabels; self.scoresAreProbabilities = scoresAreProbabilities
        decode = { ConfigDecoding.decode(Options.self, from: $0) }
        // The registry pairs each definition with options it decoded itself, so the cast holds.
        self.build = { o, seed, threads in build(o as! Options, seed, threads) }
    }
}

extension FeatureMatrix {
    /// The columns `indices`, in that order, of every row.
    public func selecting(columns indices: [Int]) -> FeatureMatrix {
        let c = columns
        var out = [Float](repeating: 0, count: rows * indices.count)
        for r in 0..<rows { for (k, j) in indices.enumerated() { out[r * indices.count + k] = values[r * c + j] } }
        return FeatureMatrix(rows: rows, names: indices.map { names[$0] }, cardinalities: indices.map { cardinalities[$0] }, values: out)
    }
}

/// A model that reads only some columns of the matrices it is given: fitted and scored on those
/// columns, so it scores (and is attributed on) the same full matrices as any other model.
public final class ColumnSubsetModel: ClassicalModel {
    public let inner: any ClassicalModel
    public let columns: [Int]

    public init(_ inner: any ClassicalModel, columns: [Int]) { self.inner = inner; self.columns = columns }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try inner.fit(train.selecting(columns: columns), labels: labels, valid: valid.map { ($0.features.selecting(columns: columns), $0.labels) })
    }

    public func score(_ x: FeatureMatrix) -> [Float] { inner.score(x.selecting(columns: columns)) }

    public var summary: String { inner.summary + " on \(columns.count) columns" }
}
