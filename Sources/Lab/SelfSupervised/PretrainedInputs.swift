import Datasets
import Models

/// The pre-trained self-supervised columns as per-sample inputs of a fine-tuned classifier:
/// each standardised column (−log training tail share, `SelfSupervisedScores`), then the
/// combined score, with the modalities each reads. A classical classifier reads them as
/// `surprise_ssl_*` features, the neural model's evidence beside the heads' surprises.
struct PretrainedInputs {
    /// `<column>` per column, then `score`.
    var names: [String]
    var modalities: [Set<Modality>]
    /// Per column, per sample.
    var values: [[Double]]
    /// Per column, per sample: whether the component judged the sample (the score always does).
    var present: [[Bool]]

    init(_ scores: SelfSupervisedScores, modalities: [Modality], sampleCount n: Int) {
        let all = Set(modalities)
        names = scores.columns.map(\.name) + ["score"]
        self.modalities = scores.columns.map { c in
            c.component == "next_event" || c.name == "reconstruction.sequence" ? [.sequence]
                : c.component == "reconstruction" ? all.intersection(ExperimentRunner.reconstructedModalities)
                : c.component == "alignment" ? [.image, .attributes] : all
        } + [all]
        values = scores.columns.indices.map { j in (0..<n).map { Double(scores.standardized(sample: $0, column: j)) } }
            + [(0..<n).map { scores.score(sample: $0) }]
        present = scores.columns.map { c in c.raw.map { $0 != nil } } + [[Bool](repeating: true, count: n)]
    }

    /// As a classical classifier's features: `surprise_ssl_<column>`, `surprise_ssl_score`.
    var featureColumns: [FeatureColumn] {
        names.indices.map { FeatureColumn("surprise_ssl_" + names[$0], numbers: values[$0]).reading(modalities[$0]) }
    }

    /// As the evidence's input: the heads' scaled surprises (`consistency`, nil when the model
    /// reads none) followed by these columns, row by row.
    func appended(to consistency: SurpriseTable?) -> SurpriseTable {
        let n = values.first?.count ?? 0, h = consistency?.heads.count ?? 0, width = h + names.count
        var table = SurpriseTable(heads: (consistency?.heads ?? []) + names.map { "ssl_" + $0 },
                                  values: [Float](repeating: 0, count: n * width), present: [Float](repeating: 0, count: n * width))
        for i in 0..<n {
            if let consistency {
                for k in 0..<h { table.values[i * width + k] = consistency.values[i * h + k]; table.present[i * width + k] = consistency.present[i * h + k] }
            }
            for j in names.indices where present[j][i] {
                table.values[i * width + h + j] = Float(values[j][i])
                table.present[i * width + h + j] = 1
            }
        }
        return table
    }
}
