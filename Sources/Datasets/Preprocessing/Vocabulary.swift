/// Token column → embedding index, built from training samples only.
/// Index 0 is padding, 1 an out-of-vocabulary token (unseen in training, or rarer than the
/// minimum frequency), 2 a missing value; tokens seen in training start at 3.
public struct Vocabulary: Sendable {
    public static let padding: Int32 = 0
    public static let unknown: Int32 = 1
    public static let missing: Int32 = 2
    public static let reserved = 3

    /// Index per raw id of the source column's interner.
    public let indexOfRaw: [Int32]
    /// Token per index (the reserved ones as `<pad>`, `<unk>`, `<missing>`).
    public let tokens: [String]

    public var size: Int { tokens.count }

    /// `counts[raw]` = how often raw token `raw` occurs in the training split.
    public init(counts: [Int], interner: TokenInterner, minFrequency: Int = 1) {
        var index = [Int32](repeating: Vocabulary.unknown, count: interner.count)
        var tokens = ["<pad>", "<unk>", "<missing>"]
        for raw in 0..<interner.count where counts[raw] >= max(minFrequency, 1) {
            index[raw] = Int32(tokens.count)
            tokens.append(interner.string(Int32(raw)))
        }
        indexOfRaw = index
        self.tokens = tokens
    }

    init(indexOfRaw: [Int32], tokens: [String]) { self.indexOfRaw = indexOfRaw; self.tokens = tokens }

    @inline(__always)
    public func index(ofRaw raw: Int32) -> Int32 {
        raw < 0 ? Vocabulary.missing : indexOfRaw[Int(raw)]
    }

    public func index(of token: String) -> Int32? {
        tokens.firstIndex(of: token).map { Int32($0) }
    }
}

/// Mean and standard deviation of a float column over training rows (missing values skipped),
/// used to standardise every split and to impute missing values with the training mean.
public struct Standardizer: Sendable, Equatable, Codable {
    public var mean: Double
    public var std: Double

    public init(values: some Sequence<Double>) {
        var n = 0.0, sum = 0.0, sumSquares = 0.0
        for v in values where v.isFinite { n += 1; sum += v; sumSquares += v * v }
        mean = n > 0 ? sum / n : 0
        let variance = n > 1 ? max(sumSquares / n - mean * mean, 0) : 0
        // A constant column stays constant (zero) instead of dividing by zero.
        std = variance > 1e-24 ? variance.squareRoot() : 1
    }

    public init(mean: Double, std: Double) { self.mean = mean; self.std = std }

    /// The standardised value; a missing value becomes the training mean, i.e. 0.
    @inline(__always)
    public func callAsFunction(_ v: Double) -> Float { v.isFinite ? Float((v - mean) / std) : 0 }
}
