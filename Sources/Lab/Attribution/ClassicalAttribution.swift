import Foundation
import Datasets
import Models

extension ModalityAttribution {
    /// A classical model's attribution, measured as the neural model's is: the test rows scored
    /// again with one modality's features masked (set missing — XGBoost follows each split's
    /// default branch, the other models impute the training median with the missing flag on), and
    /// once without the consistency surprises. `columnModalities[j]` are the modalities feature j
    /// reads (a surprise reads its head's); `surprises` the surprise features. The drop is in
    /// logits when the model's scores are probabilities (`masking_logit_drop`), else in its own
    /// score units (`masking_score_drop`); `masking_share` compares either.
    static func measure(classical model: any ClassicalModel, test: FeatureMatrix, full: ScoredSamples, columnModalities: [Set<Modality>],
                        surprises: Set<Int>, modalities: [Modality], probabilities: Bool, dataset: PreparedDataset) -> ModalityAttribution? {
        func value(_ score: Float) -> Double {
            guard probabilities else { return Double(score) }
            let p = min(max(Double(score), 1e-7), 1 - 1e-7)
            return log(p / (1 - p))
        }
        let reference = model.score(test).map(value)
        var drops: [[Double]] = [], columns: [String] = []
        func maskedDrop(_ masked: Set<Int>) -> [Double] {
            var x = test
            let c = x.columns
            for i in 0..<x.rows { for j in masked { x.values[i * c + j] = .nan } }
            return zip(reference, model.score(x).map(value)).map { $0 - $1 }
        }
        for m in modalities where modalities.count > 1 {
            drops.append(maskedDrop(Set(columnModalities.indices.filter { columnModalities[$0].contains(m) })))
            columns.append(m.rawValue)
        }
        if !surprises.isEmpty {
            drops.append(maskedDrop(surprises))
            columns.append("consistency")
        }
        guard !columns.isEmpty else { return nil }
        return summarise(drops: drops, columns: columns, samples: full.samples, dataset: dataset,
                         method: probabilities ? "masking_logit_drop" : "masking_score_drop", gates: nil)
    }
}
