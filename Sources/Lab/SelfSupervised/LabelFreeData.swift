import Datasets

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
