import Tensor
@testable import Models

/// Synthetic tables for the classical-model tests.
enum ClassicalData {
    /// Two numeric columns shifted for anomalies (with Gaussian noise, so the classes overlap a
    /// little), one pure-noise column with some values missing, and a categorical column whose
    /// code 3 is more common among anomalies. About `prevalence` of the rows are anomalous.
    static func separable(rows: Int, prevalence: Double = 0.15, seed: UInt64) -> (FeatureMatrix, [Float]) {
        var g = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Float] = []
        for _ in 0..<rows {
            let anomalous = g.nextDouble() < prevalence
            let shift = anomalous ? 2.5 : 0
            values.append(Float(g.nextNormal() + shift))
            values.append(Float(10 * (g.nextNormal() - shift) + 40))
            values.append(g.nextDouble() < 0.1 ? .nan : Float(g.nextNormal()))
            values.append(Float(anomalous && g.nextDouble() < 0.6 ? 3 : g.nextInt(below: 3)))
            labels.append(anomalous ? 1 : 0)
        }
        return (FeatureMatrix(rows: rows, names: ["x", "y", "noise", "kind"], cardinalities: [nil, nil, nil, 4], values: values), labels)
    }

    /// A standard Gaussian blob of `inliers` rows in `dimensions`, then `outliers` rows at
    /// distance `distance` along random directions; labels mark the outliers.
    static func blobWithOutliers(inliers: Int, outliers: Int, dimensions: Int = 3, distance: Double = 6, seed: UInt64) -> (FeatureMatrix, [Float]) {
        var g = RandomGenerator(seed: seed)
        var values: [Float] = []
        for _ in 0..<inliers { for _ in 0..<dimensions { values.append(Float(g.nextNormal())) } }
        for _ in 0..<outliers {
            let direction = (0..<dimensions).map { _ in g.nextNormal() }
            let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for d in direction { values.append(Float(distance * d / norm)) }
        }
        let labels = [Float](repeating: 0, count: inliers) + [Float](repeating: 1, count: outliers)
        return (FeatureMatrix(rows: inliers + outliers, names: (0..<dimensions).map { "f\($0)" },
                              cardinalities: [Int?](repeating: nil, count: dimensions), values: values), labels)
    }
}

/// ROC-AUC by pairs (ties count half): the probability that an anomaly outscores a normal row.
func pairwiseAUC(_ scores: [Float], _ labels: [Float]) -> Double {
    var wins = 0.0, pairs = 0.0
    for (s, y) in zip(scores, labels) where y == 1 {
        for (t, z) in zip(scores, labels) where z == 0 {
            wins += s > t ? 1 : s == t ? 0.5 : 0
            pairs += 1
        }
    }
    return wins / pairs
}
