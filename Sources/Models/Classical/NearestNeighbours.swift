import COpenBLAS
import Foundation
import Support
import Tensor

/// k nearest neighbours by Euclidean distance in the preprocessed (standardised, one-hot) space.
/// Score = the share of anomalous rows among the k nearest training rows (`uniform`), or that
/// share weighted by 1 / distance (`distance`; when some neighbours are at distance 0, only they
/// count, each weighing 1 — scikit-learn's `KNeighborsClassifier.predict_proba` rule). A tie in
/// distance goes to the lower training row index, so scores never depend on the order of work.
///
/// Scoring the training matrix itself (the same rows, the same values) is leave-one-out: each row
/// is left out of its own neighbours, or it would always find itself at distance 0. The framework
/// uses training scores only for reporting. Validation rows are not used (nothing is trained).
///
/// Squared distances are ‖q‖² + ‖t‖² − 2 q·t, the products one `sgemm` per block of
/// 256 query rows × 2,048 training rows, so the distance buffer stays at 2 MB per thread however
/// many rows there are; query blocks run in parallel (BLAS single-threaded meanwhile).
public final class NearestNeighbours: ClassicalModel {
    public enum Weighting: String, Codable, Sendable {
        case uniform, distance
    }

    public struct Options: ClassicalModelOptions, Equatable {
        public var k: Int
        public var weights: Weighting
        public var minFrequency: Int

        public init(k: Int = 15, weights: Weighting = .uniform, minFrequency: Int = 1) {
            self.k = k; self.weights = weights; self.minFrequency = minFrequency
        }
    }

    static let name = "knn"
    static let queryBlock = 256, trainBlock = 2048

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "k nearest neighbours (Euclidean, standardised and one-hot features); score = share of anomalous rows among the k "
            + "nearest training rows, optionally weighted by 1/distance. Training rows are scored leave-one-out.",
        fields: [
            ConfigField("k", .integer(min: 1), default: 15, "Neighbours per scored row (all training rows when fewer)."),
            ConfigField("weights", .choice(["uniform", "distance"]), default: "uniform",
                        "uniform counts each neighbour once; distance weighs each by 1 / its distance."),
            FeaturePreprocessing.minFrequencyField,
        ],
        scoresAreProbabilities: true,
        options: Options.self,
        build: { o, _, _ in NearestNeighbours(options: o) })

    public let options: Options
    private var preprocessing: FeaturePreprocessing?
    private var design: [Float] = []
    private var norms: [Float] = []
    private var labels: [Float] = []

    public init(options: Options) { self.options = options }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try checkSupervised(Self.name, train, labels)
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        design = preprocessing.transform(train)
        norms = Self.squaredNorms(design, rows: train.rows, columns: preprocessing.width)
        self.labels = labels
        self.preprocessing = preprocessing
    }

    static func squaredNorms(_ m: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows)
        guard columns > 0 else { return out }
        m.withUnsafeBufferPointer { a in
            for r in 0..<rows { out[r] = cblas_sdot(Int32(columns), a.baseAddress! + r * columns, 1, a.baseAddress! + r * columns, 1) }
        }
        return out
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let preprocessing else { preconditionFailure("\(Self.name) scored before it was fitted") }
        let labels = labels, distanceWeighted = options.weights == .distance
        return Self.scoreByNeighbours(preprocessing.transform(x), rows: x.rows, design: design, norms: norms, columns: preprocessing.width,
                                      k: options.k) { squared, indices in
            labels.withUnsafeBufferPointer { Self.vote(squared, indices, labels: $0, distanceWeighted: distanceWeighted) }
        }
    }

    /// Scores each query row from its k nearest training rows (`design`, `norms` its squared row
    /// norms): `reduce` gets their squared distances, ascending, and their training indices. A
    /// query matrix equal to the training matrix is scored leave-one-out.
    static func scoreByNeighbours(_ query: [Float], rows m: Int, design: [Float], norms: [Float], columns d: Int, k wanted: Int,
                                  reduce: @escaping @Sendable (ArraySlice<Float>, ArraySlice<Int>) -> Float) -> [Float] {
        let n = norms.count
        let leaveOneOut = m == n && query.withUnsafeBytes { q in
            design.withUnsafeBytes { q.count == 0 || memcmp(q.baseAddress!, $0.baseAddress!, q.count) == 0 }
        }
        let k = min(wanted, n - (leaveOneOut ? 1 : 0))
        var scores = [Float](repeating: 0, count: m)
        guard k > 0, m > 0 else { return scores }
        let queryNorms = Self.squaredNorms(query, rows: m, columns: d)
        let blocks = (m + Self.queryBlock - 1) / Self.queryBlock
        scores.withUnsafeMutableBufferPointer { out in
            query.withUnsafeBufferPointer { q in
                design.withUnsafeBufferPointer { t in
                    queryNorms.withUnsafeBufferPointer { qn in
                        norms.withUnsafeBufferPointer { tn in
                            let out = UncheckedSendable(out)
                            parallelChunksWithSerialBLAS(blocks) { first, last in
                                // Scratch per thread, allocated once: distances, and each row's k best so far.
                                var products = [Float](repeating: 0, count: Self.queryBlock * Self.trainBlock)
                                var bestDistance = [Float](repeating: 0, count: Self.queryBlock * k)
                                var bestIndex = [Int](repeating: 0, count: Self.queryBlock * k)
                                var filled = [Int](repeating: 0, count: Self.queryBlock)
                                for block in first..<last {
                                    let q0 = block * Self.queryBlock, rows = min(Self.queryBlock, m - q0)
                                    for i in 0..<rows { filled[i] = 0 }
                                    var t0 = 0
                                    while t0 < n {
                                        let columns = min(Self.trainBlock, n - t0)
                                        products.withUnsafeMutableBufferPointer { p in
                                            if d > 0 {
                                                sgemm(transposeA: false, transposeB: true, m: rows, n: columns, k: d, alpha: -2,
                                                      a: q.baseAddress! + q0 * d, lda: d, b: t.baseAddress! + t0 * d, ldb: d,
                                                      beta: 0, c: p.baseAddress!, ldc: columns)
                                            } else {
                                                for e in 0..<(rows * columns) { p[e] = 0 }
                                            }
                                            for i in 0..<rows {
                                                for j in 0..<columns {
                                                    let row = t0 + j
                                                    if leaveOneOut && row == q0 + i { continue }
                                                    let squared = max(0, qn[q0 + i] + tn[row] + p[i * columns + j])
                                                    Self.insert(squared, row, k: k, at: i * k, filled: &filled[i],
                                                                distances: &bestDistance, indices: &bestIndex)
                                                }
                                            }
                                        }
                                        t0 += columns
                                    }
                                    for i in 0..<rows {
                                        out.value[q0 + i] = reduce(bestDistance[(i * k)..<(i * k + k)], bestIndex[(i * k)..<(i * k + k)])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return scores
    }

    /// Keeps a row's k best sorted by distance; training rows arrive in increasing index, so
    /// placing a newcomer after every equal distance (and never displacing an equal one) breaks
    /// ties towards the lower index.
    @inline(__always)
    static func insert(_ distance: Float, _ index: Int, k: Int, at base: Int, filled: inout Int,
                       distances: inout [Float], indices: inout [Int]) {
        if filled == k && !(distance < distances[base + k - 1]) { return }
        var p = filled == k ? k - 1 : filled
        while p > 0 && distances[base + p - 1] > distance {
            distances[base + p] = distances[base + p - 1]
            indices[base + p] = indices[base + p - 1]
            p -= 1
        }
        distances[base + p] = distance
        indices[base + p] = index
        if filled < k { filled += 1 }
    }

    static func vote(_ squared: ArraySlice<Float>, _ indices: ArraySlice<Int>, labels: UnsafeBufferPointer<Float>,
                     distanceWeighted: Bool) -> Float {
        if !distanceWeighted || squared.contains(0) {
            // Uniform, or distance weighting with exact matches: only those count, each weighing 1.
            var votes = 0.0, total = 0.0
            for (s, i) in zip(squared, indices) where !distanceWeighted || s == 0 {
                votes += Double(labels[i]); total += 1
            }
            return Float(votes / total)
        }
        var votes = 0.0, total = 0.0
        for (s, i) in zip(squared, indices) {
            let w = 1 / Double(s).squareRoot()
            votes += w * Double(labels[i]); total += w
        }
        return Float(votes / total)
    }

    public var summary: String {
        guard let preprocessing else { return "\(Self.name): not fitted" }
        return "\(Self.name): k = \(options.k), \(options.weights.rawValue) weights, \(labels.count) training rows, \(preprocessing.width) features"
    }
}
