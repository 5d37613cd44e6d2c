import Support

/// The dense design matrix the linear, neighbour and isolation-forest models work on, fitted on
/// the training rows only so that nothing about validation or test rows leaks into a model:
///
/// - a numeric column: a missing value (NaN or ±∞) is imputed with the training **median** (the
///   median, not the mean, because anomalous rows are exactly the ones with extreme values);
///   the imputed column is standardised with the training mean and population standard
///   deviation (ddof 0, as scikit-learn's `StandardScaler`; a constant column divides by 1).
///   A column that had any missing value in training also gets a 0/1 missing indicator right
///   after it (not standardised); one with none in training gets none, so a value missing only
///   outside training shows as the median alone.
/// - a categorical column (codes `0..<cardinality`): one 0/1 column per code held by at least
///   `minFrequency` training rows, in code order, then one "other" column when some code seen in
///   training falls short of it. A code never seen in training, out of range, or missing is all
///   zeros: the model has learnt nothing about it.
public struct FeaturePreprocessing: Sendable, Equatable {
    enum Column: Sendable, Equatable {
        /// Output `offset` holds the standardised value; `offset + 1` the missing indicator when `indicator`.
        case numeric(source: Int, offset: Int, median: Float, mean: Float, scale: Float, indicator: Bool)
        /// `slots[code]` is the output offset of code's column, or -1 (all zeros).
        case categorical(source: Int, slots: [Int32])
    }

    let columns: [Column]
    /// The design matrix's column names: `age`, `age.missing`, `device=3`, `device=other`.
    public let names: [String]
    public var width: Int { names.count }

    /// The config field every model that uses this preprocessing carries.
    public static let minFrequencyField = ConfigField(
        "min_frequency", .integer(min: 1), default: 1,
        "Training rows a categorical code needs for its own one-hot column; rarer codes share an \"other\" column.")

    /// Fits on `train` (every row of it is a training row).
    public init(fitting train: FeatureMatrix, minFrequency: Int = 1) {
        let n = train.rows, c = train.columns
        var columns: [Column] = [], names: [String] = []
        var scratch = [Float](repeating: 0, count: n)
        train.values.withUnsafeBufferPointer { v in
            for j in 0..<c {
                if let cardinality = train.cardinalities[j] {
                    var counts = [Int](repeating: 0, count: max(cardinality, 0))
                    for r in 0..<n {
                        if let code = Self.code(v[r * c + j], cardinality) { counts[code] += 1 }
                    }
                    var slots = [Int32](repeating: -1, count: counts.count)
                    for code in counts.indices where counts[code] >= minFrequency {
                        slots[code] = Int32(names.count)
                        names.append("\(train.names[j])=\(code)")
                    }
                    if counts.contains(where: { $0 > 0 && $0 < minFrequency }) {
                        let other = Int32(names.count)
                        names.append("\(train.names[j])=other")
                        for code in counts.indices where counts[code] > 0 && counts[code] < minFrequency { slots[code] = other }
                    }
                    columns.append(.categorical(source: j, slots: slots))
                } else {
                    var present = 0
                    for r in 0..<n where v[r * c + j].isFinite {
                        scratch[present] = v[r * c + j]
                        present += 1
                    }
                    let median = Self.median(&scratch, count: present)
                    // Mean and deviation of the imputed column, in Double: a long column of Floats
                    // summed in Float loses digits.
                    var sum = 0.0
                    for r in 0..<n { let x = v[r * c + j]; sum += Double(x.isFinite ? x : median) }
                    let mean = n > 0 ? sum / Double(n) : 0
                    var squares = 0.0
                    for r in 0..<n { let x = v[r * c + j]; let d = Double(x.isFinite ? x : median) - mean; squares += d * d }
                    let std = n > 0 ? (squares / Double(n)).squareRoot() : 0
                    let indicator = present < n
                    columns.append(.numeric(source: j, offset: names.count, median: median, mean: Float(mean),
                                            scale: std > 0 ? Float(std) : 1, indicator: indicator))
                    names.append(train.names[j])
                    if indicator { names.append("\(train.names[j]).missing") }
                }
            }
        }
        self.columns = columns
        self.names = names
    }

    /// The code a categorical cell holds, or nil when missing or outside `0..<cardinality`.
    @inline(__always)
    static func code(_ x: Float, _ cardinality: Int) -> Int? {
        guard x.isFinite, x >= 0, x < Float(cardinality), x == x.rounded(.down) else { return nil }
        return Int(x)
    }

    /// numpy's median of the first `count` values (mean of the middle two when even; 0 when none,
    /// so an all-missing column imputes 0). Reorders them.
    static func median(_ values: inout [Float], count: Int) -> Float {
        guard count > 0 else { return 0 }
        values[0..<count].sort()
        let mid = count / 2
        return count % 2 == 1 ? values[mid] : Float((Double(values[mid - 1]) + Double(values[mid])) / 2)
    }

    /// The `x.rows × width` design matrix, row-major.
    public func transform(_ x: FeatureMatrix) -> [Float] {
        let n = x.rows, c = x.columns, w = width
        precondition(c == columns.count, "feature matrix has \(c) columns, the preprocessing was fitted on \(columns.count)")
        var out = [Float](repeating: 0, count: n * w)
        x.values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for column in columns {
                    switch column {
                    case let .numeric(j, offset, median, mean, scale, indicator):
                        let inverse = 1 / scale
                        for r in 0..<n {
                            let value = v[r * c + j]
                            let missing = !value.isFinite
                            o[r * w + offset] = ((missing ? median : value) - mean) * inverse
                            if indicator && missing { o[r * w + offset + 1] = 1 }
                        }
                    case let .categorical(j, slots):
                        slots.withUnsafeBufferPointer { s in
                            for r in 0..<n {
                                if let code = Self.code(v[r * c + j], s.count), s[code] >= 0 { o[r * w + Int(s[code])] = 1 }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
