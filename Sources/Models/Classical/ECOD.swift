import Foundation
import Support

/// ECOD, empirical-cumulative-distribution outlier detection (Li et al. 2022, as PyOD's `ECOD`),
/// unsupervised and parameter-free: per feature, how far out in its training distribution's tails
/// a value lies. For feature j, with the training rows' empirical distribution,
///   U_left = −log P(X ≤ x),  U_right = −log P(X ≥ x),
/// and U_skew the tail the training skewness points to (left for negative skew, right for
/// positive, both summed when the skew is 0); the score is Σ_j max(U_left, U_right, U_skew) — PyOD's
/// rule. The probabilities count the scored value as one more sample, (#{train ≤ x} + 1) / (n + 1),
/// so a value beyond every training value has a finite tail. Statistics come from the training rows
/// only (PyOD re-fits on whatever it scores; here validation and test never move them). The
/// empirical distribution does not change under a monotone map, so standardising changes nothing.
/// Works on the preprocessed design matrix (standardised, imputed, one-hot). Labels are never read.
public final class ECOD: ClassicalModel {
    public struct Options: ClassicalModelOptions, Equatable {
        public var minFrequency: Int
        public init(minFrequency: Int = 1) { self.minFrequency = minFrequency }
    }

    static let name = "ecod"

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "ECOD (as PyOD's ECOD), unsupervised: score = the sum over features of the −log empirical tail probability of the value in the training "
            + "distribution (left, right, or the skewed side); standardised, imputed and one-hot features.",
        fields: [FeaturePreprocessing.minFrequencyField],
        usesLabels: false,
        options: Options.self,
        build: { o, _, _ in ECOD(options: o) })

    public let options: Options
    private var preprocessing: FeaturePreprocessing?
    /// Per design column, its training values sorted ascending.
    private var sorted: [[Float]] = []
    /// Per design column, the sign of its training skewness (−1, 0, +1).
    private var skewSign: [Int] = []

    public init(options: Options) { self.options = options }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        guard train.rows > 0 else { throw ClassicalModelError(model: Self.name, message: "there are no training rows") }
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        let design = preprocessing.transform(train), n = train.rows, d = preprocessing.width
        sorted = (0..<d).map { j in (0..<n).map { design[$0 * d + j] }.sorted() }
        skewSign = sorted.map(Self.skewnessSign)
        self.preprocessing = preprocessing
    }

    /// The sign of the (biased, as scipy.stats.skew) sample skewness; 0 for a constant column.
    static func skewnessSign(_ values: [Float]) -> Int {
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        var m2 = 0.0, m3 = 0.0
        for v in values { let e = Double(v) - mean; m2 += e * e; m3 += e * e * e }
        m2 /= n; m3 /= n
        // Rounding noise on a symmetric or constant column is no skew.
        guard m2 > 1e-12 else { return 0 }
        let skew = m3 / pow(m2, 1.5)
        return abs(skew) < 1e-9 ? 0 : (skew < 0 ? -1 : 1)
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let preprocessing else { preconditionFailure("\(Self.name) scored before it was fitted") }
        let design = preprocessing.transform(x), d = preprocessing.width
        var scores = [Float](repeating: 0, count: x.rows)
        for r in 0..<x.rows {
            var total = 0.0
            for j in 0..<d {
                let column = sorted[j], n = Double(column.count), v = design[r * d + j]
                let atMost = Double(column.countAtMost(v)), atLeast = n - Double(column.countBelow(v))
                let left = -log((atMost + 1) / (n + 1)), right = -log((atLeast + 1) / (n + 1))
                let skewed = skewSign[j] < 0 ? left : skewSign[j] > 0 ? right : left + right
                total += max(left, right, skewed)
            }
            scores[r] = Float(total)
        }
        return scores
    }

    public var summary: String {
        guard let preprocessing else { return "\(Self.name): not fitted" }
        return "\(Self.name): \(sorted.first?.count ?? 0) training rows, \(preprocessing.width) features"
    }
}
