import Foundation
import Datasets
import Support

/// Writes the files of one run folder, each atomically.
struct RunFiles {
    let directory: String

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    func writeJSON(_ value: JSONValue, _ name: String) throws { try DurableFile.write(value.rendered() + "\n", to: path(name)) }

    /// The model's input schema, keys sorted so the file is the same bytes for the same data.
    func writeSchema(_ schema: DatasetSchema) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try DurableFile.write(String(decoding: try encoder.encode(schema), as: UTF8.self) + "\n", to: path("schema.json"))
    }

    func writeHistory(_ history: [EpochRecord]) throws {
        var t = CSVTable(header: ["epoch", "train_loss", "valid_loss", "valid_roc_auc", "valid_average_precision", "valid_f1", "learning_rate"])
        for r in history {
            t.append([String(r.epoch), CSVTable.number(r.trainLoss), CSVTable.number(r.validLoss), CSVTable.number(r.validROCAUC),
                      CSVTable.number(r.validAveragePrecision), CSVTable.number(r.validF1), CSVTable.number(r.learningRate)])
        }
        try t.write(to: path("history.csv"))
    }

    /// predictions.csv (with one `surprise_<column>` column per surprise column — a per-event head
    /// gives `surprise_<head>` and `surprise_<head>.max` — in nats, empty
    /// where the head could not judge the sample) and modality_weights.csv.
    func writePredictions(_ dataset: PreparedDataset, scored: [ScoredSamples], threshold: Double, consistency: ConsistencyFit? = nil) throws {
        let heads = consistency?.raw.heads ?? []
        var t = CSVTable(header: ["sample_id", "split", "label", "anomaly_type", "score", "predicted"] + heads.map { "surprise_" + $0 })
        var w: CSVTable?
        if let first = scored.first, first.modalityWeights != nil {
            w = CSVTable(header: ["sample_id", "split", "label", "anomaly_type"] + first.modalities.map(\.rawValue))
        }
        for s in scored {
            let m = s.modalities.count
            for (k, i) in s.samples.enumerated() {
                let base = [dataset.sampleIDs[i], dataset.roles[i].description, CSVTable.number(Double(dataset.labels[i])),
                            dataset.anomalyTypes[i].isEmpty ? "normal" : dataset.anomalyTypes[i]]
                t.append(base + [CSVTable.number(s.scores[k]), s.scores[k] >= threshold ? "1" : "0"]
                         + heads.indices.map { j in consistency!.raw.value(sample: i, head: j).map { CSVTable.number(Double($0)) } ?? "" })
                if let weights = s.modalityWeights { w?.append(base + (0..<m).map { CSVTable.number(Double(weights[k * m + $0])) }) }
            }
        }
        try t.write(to: path("predictions.csv"))
        try w?.write(to: path("modality_weights.csv"))
    }
}
