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

/// A head's worth: its held-out surprise against the training class frequencies.
@Suite struct HeadWorthTests {
    @Test func aHeadNoBetterThanTheClassFrequenciesIsFlagged() throws {
        let dir = scratchDirectory()
        let config = try tinyConfig(dir, ["model.consistency.heads={\"h\": {\"from\": \"image\", \"predict\": \"attributes.category_id\"}}"])
        let dataset = try ExperimentRunner(config: config, reporter: { _ in }).dataset(fold: nil)
        let spec = try #require(try ConsistencyHeadSpec.parseAll(ModelOptions(section: config["model"]!).consistency.heads,
                                                                 schema: dataset.schema(imageSize: 16)).first)
        let n = dataset.sampleCount, train = dataset.indices(.train)
        // The training marginal, add-one smoothed, computed here independently.
        let declared = train.map { RunFiles.declaredClass(spec.target, sample: $0, dataset: dataset)! }
        var counts = [Double](repeating: 1, count: spec.target.classes)
        for y in declared { counts[Int(y)] += 1 }
        let total = counts.reduce(0, +)
        func fit(_ surprise: (Int) -> Float) -> ConsistencyFit {
            let values = (0..<n).map(surprise)
            return ConsistencyFit(specs: [spec], raw: SurpriseTable(heads: ["h"], values: values, present: [Float](repeating: 1, count: n)),
                                  trainingSurprises: [train.map { values[$0] }.sorted()], likeliest: [Int32](repeating: 0, count: n))
        }
        // A head that says exactly what the frequencies say gains nothing and is flagged.
        let classOf = Dictionary(uniqueKeysWithValues: zip(train, declared))
        let guessing = fit { i in classOf[i].map { Float(-Foundation.log(counts[Int($0)] / total)) } ?? 0 }
        let gain = try #require(HeadWorth.heldOutGain(guessing, head: 0, dataset: dataset))
        #expect(Swift.abs(gain) < 1e-5, "\(gain)")
        var measured = guessing
        measured.heldOutGains = [gain]
        #expect(HeadWorth.knowingNothing(measured, gainFloor: 0.01, rocAUCFloor: 0.6).map(\.head) == [0])
        // A head that is always sure and right gains the marginal's whole entropy and is not.
        let entropy = declared.reduce(0.0) { $0 - Foundation.log(counts[Int($1)] / total) } / Double(declared.count)
        let certain = fit { _ in 0 }
        #expect(Swift.abs(try #require(HeadWorth.heldOutGain(certain, head: 0, dataset: dataset)) - entropy) < 1e-9)
        var certainMeasured = certain
        certainMeasured.heldOutGains = [HeadWorth.heldOutGain(certain, head: 0, dataset: dataset)]
        #expect(HeadWorth.knowingNothing(certainMeasured, gainFloor: 0.01, rocAUCFloor: 0.6).isEmpty)
    }
}
