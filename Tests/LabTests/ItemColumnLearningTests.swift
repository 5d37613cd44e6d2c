import Foundation
import Testing
import Datasets
import Support
import Tensor
@testable import Lab

/// A label that only the prices of the items in a user's history carry: every history item is
/// bought once, by one user (so its id, unseen outside training, tells nothing), every target item
/// is the same, and times and event types are alike for all. The sequence alone learns it when
/// items.csv's price joins the events, and cannot when `data.event_item_columns` is [].
@Suite(.serialized) struct ItemColumnLearningTests {
    static let users = 900, eventsPerUser = 6

    /// The dataset folder: anomalous users (every third) buy items priced 60–120, the others 10–70.
    static let folder: String = {
        let folder = scratchDirectory()
        var generator = RandomGenerator(seed: 11)
        var events = "user_id:token,timestamp:float,event_type:token,item_id:token\n"
        var items = "item_id:token,price:float\nt0,50\n"
        var labels = "sample_id:token,user_id:token,target_item_id:token,label:float\n"
        for u in 0..<users {
            let anomalous = u % 3 == 0
            for k in 0..<eventsPerUser {
                let price = (anomalous ? 60 : 10) + Int(generator.nextFloat() * 60)
                events += "u\(u),\(1_000 + 600 * k),buy,i\(u)_\(k)\n"
                items += "i\(u)_\(k),\(price)\n"
            }
            labels += "s\(u),u\(u),t0,\(anomalous ? 1 : 0)\n"
        }
        for (name, text) in ["events.csv": events, "items.csv": items, "labels.csv": labels] {
            try! text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        return folder
    }()

    func testROCAUC(_ overrides: [String]) throws -> Double {
        let out = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let path = out + "/e.json"
        try """
        {"name": "item-prices", "data": {"path": "\(Self.folder)"},
         "model": {"dimension": 16, "modalities": ["sequence"], "encoders": {"sequence": {"type": "mean"}}, "fusion": {"type": "concat", "hidden": [16]}},
         "training": {"epochs": 15, "batch_size": 32, "early_stopping": {"patience": 15}},
         "output": {"directory": "\(out)/Results", "save_checkpoints": false}, "threads": 2}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let json = try ConfigLoader.load(path: path, overrides: overrides, schema: ExperimentSchema.root)
        let runner = ExperimentRunner(config: json, reporter: { _ in })
        runner.interactive = false
        return try #require(try runner.run(seed: 0, fold: nil, resume: false).test.rocAUC)
    }

    @Test func historyPricesAreLearnedOnlyWhenJoined() throws {
        let joined = try testROCAUC([])
        #expect(joined > 0.9, "test ROC-AUC with items.csv's price on the events: \(joined)")
        let off = try testROCAUC(["data.event_item_columns=[]"])
        #expect(Swift.abs(off - 0.5) < 0.15, "test ROC-AUC without it: \(off)")
    }
}
