import Foundation
import Testing
@testable import Datasets

/// Population-relative event features (`data.population_features`): known values, leave-one-out
/// for the events the statistics count, and nothing held out moving them.
@Suite struct PopulationFeatureTests {
    // u1 and u2 are training samples, u3 a test sample; u1's search has no item.
    static func events(testRating: Int = 1) -> String {
        """
        user_id:token,timestamp:float,event_type:token,item_id:token,rating:float
        u1,1,rate,A,5
        u1,2,rate,B,1
        u1,3,search,,
        u2,1,rate,A,3
        u2,2,rate,B,2
        u3,1,rate,A,\(testRating)
        """
    }
    static let labels = "sample_id:token,user_id:token,label:float,split:token\ns1,u1,1,train\ns2,u2,0,train\ns3,u3,0,test\n"

    func prepared(events: String = Self.events(), population: Bool = true) throws -> PreparedDataset {
        try withDataset(["events.csv": events, "labels.csv": Self.labels]) { folder in
            var options = DataOptions()
            options.split = .column
            options.maxLength = 3
            options.eventFloatColumns = ["rating"]
            options.populationFeatures = population
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
    }

    /// `[sample][event][feature]` of the population features.
    func features(_ d: PreparedDataset) -> (names: [String], value: (Int, Int, String) -> Float) {
        let s = d.sequence, width = s.floatNames.count
        return (s.floatNames, { i, k, name in s.floats[(i * s.maxLength + k) * width + s.floatNames.firstIndex(of: name)!] })
    }

    @Test func knownValues() throws {
        let d = try prepared()
        let (names, value) = features(d)
        #expect(names == ["rating", "population.item_log_count", "population.item_popularity_rank", "population.rating_vs_item"])
        let u1 = d.sampleIDs.firstIndex(of: "s1")!, u3 = d.sampleIDs.firstIndex(of: "s3")!
        // Counted: the training histories' four rated events (5, 1, 3, 2): mean 2.75, population std.
        let mean = 2.75, std = ((pow(2.25, 2) + pow(1.75, 2) + pow(0.25, 2) + pow(0.75, 2)) / 4).squareRoot()
        // u1's 5 on A, counted: A's other rating (3) and one pseudo-event at the mean.
        #expect(Swift.abs(Double(value(u1, 0, "population.rating_vs_item")) - (5 - (3 + mean) / 2) / std) < 1e-6)
        // u3's 1 on A, not counted: both of A's training ratings and the pseudo-event.
        #expect(Swift.abs(Double(value(u3, 0, "population.rating_vs_item")) - (1 - (5 + 3 + mean) / 3) / std) < 1e-6)
        // Counts: every counted event sees its item once without itself (log 2; constant, so 0
        // standardised); u3's event sees A twice: log 3 − log 2 in the same units (std 1).
        #expect(Swift.abs(value(u1, 0, "population.item_log_count")) < 1e-6)
        #expect(Swift.abs(Double(value(u3, 0, "population.item_log_count")) - (Foundation.log(3) - Foundation.log(2))) < 1e-6)
        // Ranks among the two items seen in training (2 events each): a count of 1 is below both, 2 at the top.
        #expect(value(u1, 0, "population.item_popularity_rank") == 0 && value(u3, 0, "population.item_popularity_rank") == 1)
        // The search has no item: every population feature is 0 (the mean).
        #expect(names.dropFirst().allSatisfy { value(u1, 2, $0) == 0 })
    }

    @Test func aHeldOutEventMovesNoTrainingInput() throws {
        let before = try prepared(events: Self.events(testRating: 1)), after = try prepared(events: Self.events(testRating: 5))
        let width = before.sequence.floatNames.count, length = before.sequence.maxLength
        for i in before.indices(.train) {
            let range = (i * length * width)..<((i + 1) * length * width)
            #expect(Array(before.sequence.floats[range]) == Array(after.sequence.floats[range]), "training sample \(before.sampleIDs[i])")
        }
        let u3 = before.sampleIDs.firstIndex(of: "s3")!
        #expect(features(before).value(u3, 0, "population.rating_vs_item") != features(after).value(u3, 0, "population.rating_vs_item"))
    }

    @Test func offAddsNothing() throws {
        #expect(try prepared(population: false).sequence.floatNames == ["rating"])
    }
}
