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

    /// What a run logs of the labels `reader` ("the model", "the classifier") reads under `training`.
    func logLine(reader: String, training: TrainingOptions, of dataset: PreparedDataset) -> String {
        let byClass = training.labelStrata == .labelClass
        let drawn = { (rows: [Int]) in
            let found = rows.filter { dataset.labels[$0] == 1 }
            return byClass ? "\(found.count) anomalies" : "\(found.count) anomalies of \(Set(found.map { dataset.anomalyTypes[$0] }).count) types"
        }
        let how = training.labelFraction >= 1 ? "every label" : byClass ? "stratified by class alone" : "stratified by class and anomaly type"
        return String(format: "semi-supervised: %@ reads the labels of %d of %d training samples (label_fraction %g, %@; %@) "
                          + "and of %d of %d validation samples (%@)",
                      reader, train.count, dataset.indices(.train).count, training.labelFraction, how, drawn(train),
                      valid.count, dataset.indices(.valid).count, drawn(valid))
    }

    /// The fraction a `semi_supervised` run reads: `LabelFraction.sample` of training and
    /// `LabelFraction.validation` of validation, both in ascending sample order — the samples the
    /// classical path pools; with `strata` anomaly_type the anomalies are drawn per type.
    public init(fraction: Double, strata: TrainingOptions.LabelStrata, of dataset: PreparedDataset, seed: Int) {
        let types = strata == .anomalyType ? dataset.anomalyTypes : nil
        self.init(train: LabelFraction.sample(dataset.indices(.train), labels: dataset.labels, types: types, fraction: fraction, seed: UInt64(seed)),
                  valid: LabelFraction.validation(dataset.indices(.valid), labels: dataset.labels, types: types, fraction: fraction, seed: UInt64(seed)))
    }

    /// The fraction `training.label_fraction`, stratified by `training.label_strata`.
    public init(_ training: TrainingOptions, of dataset: PreparedDataset, seed: Int) {
        self.init(fraction: training.labelFraction, strata: training.labelStrata, of: dataset, seed: seed)
    }
}
