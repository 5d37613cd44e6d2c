import Datasets
import Tensor

extension PreparedDataset {
    /// The same samples with every anomaly label removed: labels 0, no anomaly type, class 0.
    /// A self-supervised run fits on this copy only, so no code it calls can read a label;
    /// the labelled original is used after scoring, to measure.
    public func withoutLabels() -> PreparedDataset {
        var copy = self
        copy.labels = [Float](repeating: 0, count: sampleCount)
        copy.anomalyTypes = [String](repeating: "", count: sampleCount)
        copy.anomalyClasses = [Int32](repeating: 0, count: sampleCount)
        copy.labelled = false
        return copy
    }
}

/// The labelled part of a semi-supervised run's training split (`training.label_fraction`).
public enum LabelFraction {
    /// `fraction` of `samples`, drawn within each label class (stratified, as scikit-learn's
    /// `train_test_split(stratify=)`), at least one per class present, shuffled by `seed`;
    /// returned in ascending sample order.
    public static func sample(_ samples: [Int], labels: [Float], fraction: Double, seed: UInt64) -> [Int] {
        guard fraction < 1 else { return samples }
        var g = RandomGenerator(seed: seed ^ 0x1ABE_1FAC)
        var chosen: [Int] = []
        for cls in Set(samples.map { labels[$0] }).sorted() {
            var members = samples.filter { labels[$0] == cls }
            members.shuffle(using: &g)
            let count = max(1, Int((fraction * Double(members.count)).rounded()))
            chosen += members.prefix(count)
        }
        return chosen.sorted()
    }
}
