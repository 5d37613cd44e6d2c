import Foundation
import Support

/// The k-nearest-neighbour distance detector (Ramaswamy et al. 2000, as PyOD's `KNN`),
/// unsupervised: a row's score is its Euclidean distance to its k-th nearest training row
/// (`largest`) or the mean distance to its k nearest (`mean`), in the preprocessed (standardised,
/// imputed, one-hot) space — far from every training row = anomalous. Labels are never read.
/// Training rows are scored leave-one-out (each is left out of its own neighbours), as PyOD scores
/// its training set; ties in distance go to the lower training index (`NearestNeighbours`).
public final class NearestNeighbourDistance: ClassicalModel {
    public enum Method: String, Codable, Sendable {
        case largest, mean
    }

    public struct Options: ClassicalModelOptions, Equatable {
        public var k: Int
        public var method: Method
        public var minFrequency: Int

        public init(k: Int = 5, method: Method = .largest, minFrequency: Int = 1) {
            self.k = k; self.method = method; self.minFrequency = minFrequency
        }
    }

    static let name = "knn_distance"

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "k-nearest-neighbour distance detector (as PyOD's KNN), unsupervised, on standardised, imputed and one-hot "
            + "features; score = distance to the k-th nearest training row (largest) or the mean of the k (mean).",
        fields: [
            ConfigField("k", .integer(min: 1), default: 5, "Neighbours per scored row (all training rows when fewer)."),
            ConfigField("method", .choice(["largest", "mean"]), default: "largest",
                        "largest: the k-th neighbour's distance; mean: the mean over the k."),
            FeaturePreprocessing.minFrequencyField,
        ],
        usesLabels: false,
        options: Options.self,
        build: { o, _, _ in NearestNeighbourDistance(options: o) })

    public let options: Options
    private var preprocessing: FeaturePreprocessing?
    private var design: [Float] = []
    private var norms: [Float] = []

    public init(options: Options) { self.options = options }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        guard train.rows > 1 else { throw ClassicalModelError(model: Self.name, message: "needs at least two training rows, got \(train.rows)") }
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        design = preprocessing.transform(train)
        norms = NearestNeighbours.squaredNorms(design, rows: train.rows, columns: preprocessing.width)
        self.preprocessing = preprocessing
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let preprocessing else { preconditionFailure("\(Self.name) scored before it was fitted") }
        let mean = options.method == .mean
        return NearestNeighbours.scoreByNeighbours(preprocessing.transform(x), rows: x.rows, design: design, norms: norms,
                                                   columns: preprocessing.width, k: options.k) { squared, _ in
            mean ? squared.reduce(0) { $0 + $1.squareRoot() } / Float(squared.count) : squared.last!.squareRoot()
        }
    }

    public var summary: String {
        guard let preprocessing else { return "\(Self.name): not fitted" }
        return "\(Self.name): k = \(options.k), \(options.method.rawValue) distance, \(norms.count) training rows, \(preprocessing.width) features"
    }
}
