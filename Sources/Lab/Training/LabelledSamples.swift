import Datasets

/// The training and validation samples whose labels a neural run may read: every one of its
/// splits (supervised), or the stratified seeded fractions a semi-supervised run draws
/// (`LabelFraction`). Training's loss, class weight and warm start read `train`; early stopping
/// and the decision threshold read `valid`. Other samples' labels are read only to measure.
public struct LabelledSamples: Sendable, Equatable {
    public var train: [Int]
    public var valid: [Int]

    public init(train: [Int], valid: [Int]) { self.train = train; self.valid = valid }

    /// Every training and validation sample of `dataset`.
    public init(everyOf dataset: PreparedDataset) { self.init(train: dataset.indices(.train), valid: dataset.indices(.valid)) }

    /// The fraction a `semi_supervised` run reads: `LabelFraction.sample` of training and
    /// `LabelFraction.validation` of validation, both in ascending sample order — the samples the
    /// classical path pools.
    /// What a run logs of the labels `reader` ("the model", "the classifier") reads.
    func logLine(reader: String, fraction: Double, of dataset: PreparedDataset) -> String {
        let anomalies = { (rows: [Int]) in rows.filter { dataset.labels[$0] == 1 }.count }
        return String(format: "semi-supervised: %@ reads the labels of %d of %d training samples (label_fraction %g, stratified; %d anomalies) "
                          + "and of %d of %d validation samples (%d anomalies)",
                      reader, train.count, dataset.indices(.train).count, fraction, anomalies(train),
                      valid.count, dataset.indices(.valid).count, anomalies(valid))
    }

    public init(fraction: Double, of dataset: PreparedDataset, seed: Int) {
        self.init(train: LabelFraction.sample(dataset.indices(.train), labels: dataset.labels, fraction: fraction, seed: UInt64(seed)),
                  valid: LabelFraction.validation(dataset.indices(.valid), labels: dataset.labels, fraction: fraction, seed: UInt64(seed)))
    }
}
