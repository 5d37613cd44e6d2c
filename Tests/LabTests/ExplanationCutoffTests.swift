import Foundation
import Testing
import Datasets
import Models
@testable import Lab

/// A failed check is measured against normal training samples, so anomalies in training do not
/// raise the bar.
@Suite struct ExplanationCutoffTests {
    @Test func theCutOffComesFromNormalTrainingSamplesOnly() throws {
        let dir = scratchDirectory()
        let config = try tinyConfig(dir, ["model.consistency.heads={\"h\": {\"from\": \"image\", \"predict\": \"attributes.category_id\"}}"])
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        let train = dataset.indices(.train), n = dataset.sampleCount
        // One head whose surprise is 10 for every anomaly and i/n (below 1) for normal samples.
        let values = (0..<n).map { dataset.labels[$0] == 1 ? Float(10) : Float($0) / Float(n) }
        let raw = SurpriseTable(heads: ["h"], values: values, present: [Float](repeating: 1, count: n))
        let spec = try #require(try ConsistencyHeadSpec.parseAll(ModelOptions(section: config["model"]!).consistency.heads,
                                                                 schema: dataset.schema(imageSize: 16)).first)
        let fit = ConsistencyFit(specs: [spec], raw: raw, trainingSurprises: [train.map { values[$0] }.sorted()], likeliest: [Int32](repeating: 0, count: n))
        let cutoffs = ExplanationCutoffs(fit: fit, dataset: dataset, quantile: 0.99)
        // Every anomaly is above every normal training sample: all anomalies fail the check...
        let anomalies = (0..<n).filter { dataset.labels[$0] == 1 }
        #expect(anomalies.allSatisfy { !cutoffs.failed(sample: $0).isEmpty })
        #expect(cutoffs.coverage(of: dataset.indices(.test), dataset: dataset) == 1)
        // ...whereas against all training samples (anomalies included, > 1%) the 99th percentile
        // sits among the anomalies and a value of 10 does not exceed it.
        let share = Double(train.filter { dataset.labels[$0] == 1 }.count) / Double(train.count)
        #expect(share > 0.01 && fit.percentile(10, head: 0) < 0.99)
        // A normal sample near the top of the normal range fails; one at the bottom does not.
        let normals = train.filter { dataset.labels[$0] == 0 }.sorted { values[$0] < values[$1] }
        #expect(cutoffs.failed(sample: normals.last!).count == 1 && cutoffs.failed(sample: normals.first!).isEmpty)
    }
}
