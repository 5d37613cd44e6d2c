import Foundation
import Testing
@testable import Datasets

/// Standardisation statistics and quantile edges come from training rows only: the held-out
/// users here have extreme ages, so statistics over all rows would differ from every value below.
@Suite struct TrainOnlyStatisticsTests {
    static let trainingAges: [Double] = [20, 25, 31, 38, 40, 47, 52, 60]
    static let heldOutAges: [Double] = [900, 1000, -500, 2000]

    let files: [String: String] = {
        let ages = trainingAges + heldOutAges
        let users = "user_id:token,age:float\n" + ages.enumerated().map { "u\($0.offset),\(Int($0.element))" }.joined(separator: "\n") + "\n"
        let splits = Array(repeating: "train", count: trainingAges.count) + ["valid", "valid", "test", "test"]
        let labels = "sample_id:token,user_id:token,label:float,split:token\n"
            + splits.enumerated().map { "s\($0.offset),u\($0.offset),\($0.offset % 3 == 0 ? 1 : 0),\($0.element)" }.joined(separator: "\n") + "\n"
        let events = "user_id:token,timestamp:float,event_type:token,item_id:token\n" + ages.indices.map { "u\($0),1,view,i1" }.joined(separator: "\n") + "\n"
        return ["users.csv": users, "labels.csv": labels, "events.csv": events]
    }()

    @Test func standardisationAndQuantileEdgesUseTrainingRowsOnly() throws {
        let d = try withDataset(files) { folder in
            var options = DataOptions()
            options.split = .column
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
        let profile = try #require(d.profile)
        #expect(profile.floatNames == ["age"])
        // Mean and (population) standard deviation of the eight training ages.
        let n = Double(Self.trainingAges.count)
        let mean = Self.trainingAges.reduce(0, +) / n
        let std = (Self.trainingAges.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        #expect(mean == 39.125)
        let expected = (Self.trainingAges + Self.heldOutAges).map { Float(($0 - mean) / std) }
        #expect(profile.floats.count == expected.count)
        for (k, (got, want)) in zip(profile.floats, expected).enumerated() {
            #expect(Swift.abs(got - want) <= 1e-5 * Swift.max(1, Swift.abs(want)), "sample \(k): \(got), want \(want)")
        }
        // Quantile edges: the standardised training ages, sorted, at index ⌊level · 8⌋ (capped at 7).
        let sorted = Self.trainingAges.sorted().map { Float(($0 - mean) / std) }
        let edges = TabularFeatures.quantileLevels.map { sorted[Swift.min(7, Int($0 * 8))] }
        #expect(profile.quantileEdges.count == 1)
        #expect(profile.quantileEdges[0].count == edges.count)
        for (got, want) in zip(profile.quantileEdges[0], edges) { #expect(Swift.abs(got - want) < 1e-5, "\(profile.quantileEdges[0]) vs \(edges)") }
        // In ages: 20 at the bottom levels (⌊0.1 · 8⌋ = 0), 60 at the top (⌊0.9 · 8⌋ = 7) — never a held-out age.
        #expect(Swift.abs(profile.quantileEdges[0].first! - Float((20 - mean) / std)) < 1e-5)
        #expect(Swift.abs(profile.quantileEdges[0].last! - Float((60 - mean) / std)) < 1e-5)
    }
}
