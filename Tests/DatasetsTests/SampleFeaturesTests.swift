import Foundation
import Testing
@testable import Datasets

/// Per-sample features from outside the dataset reach a batch only when the caller passes them.
@Suite struct SampleFeaturesTests {
    @Test func aBatchGathersTheRowsOfTheFeaturesItIsGiven() throws {
        let files = [
            "events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token\nu1,1,view,i1\nu2,2,view,i2\nu3,3,view,i3\n",
            "labels.csv": "sample_id:token,user_id:token,label:float\ns1,u1,0\ns2,u2,1\ns3,u3,0\n",
        ]
        try withDataset(files) { folder in
            var options = DataOptions()
            options.fractions = SplitFractions(train: 1.0 / 3, valid: 1.0 / 3, test: 1.0 / 3)
            let d = try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
            let builder = BatchBuilder(dataset: d, images: nil)
            let extra = SampleFeatures(width: 2, values: [1, 2, 3, 4, 5, 6], present: [1, 1, 0, 1, 1, 0])
            let batch = try builder.batch([2, 0], extra: extra)
            #expect(batch.extraFeatures?.shape == [2, 2] && batch.extraFeatures?.scalars == [5, 6, 1, 2])
            #expect(batch.extraPresent?.scalars == [1, 0, 1, 1])
            // The builder keeps no features of its own: the next batch without them has none.
            let plain = try builder.batch([2, 0])
            #expect(plain.extraFeatures == nil && plain.extraPresent == nil)
        }
    }
}

@Suite struct EmptyModalityTests {
    /// An id-only users.csv gives no profile modality (it would be an encoder of nothing).
    @Test func anIdOnlyTableIsNoModality() throws {
        let files = [
            "events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token\nu1,1,view,i1\nu2,2,view,i2\nu3,3,view,i1\n",
            "users.csv": "user_id:token\nu1\nu2\nu3\n",
            "items.csv": "item_id:token,price:float\ni1,3\ni2,4\n",
            "labels.csv": "sample_id:token,user_id:token,label:float\ns1,u1,0\ns2,u2,1\ns3,u3,0\n",
        ]
        try withDataset(files) { folder in
            var options = DataOptions()
            options.fractions = SplitFractions(train: 1.0 / 3, valid: 1.0 / 3, test: 1.0 / 3)
            let schema = try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options).schema(imageSize: nil)
            #expect(schema.available == [.sequence, .attributes])
            #expect(schema.profile == nil && schema.attributes?.floatNames.isEmpty == false)
        }
    }
}

@Suite struct CategoryColumnTests {
    let files = [
        "events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token\nu1,1,view,i1\nu2,2,view,i2\nu3,3,view,i1\n",
        "items.csv": "item_id:token,category:token,price:float\ni1,shoes,3\ni2,bags,4\n",
        "labels.csv": "sample_id:token,user_id:token,label:float\ns1,u1,0\ns2,u2,1\ns3,u3,0\n",
    ]

    func prepared(_ column: String?) throws -> PreparedDataset {
        try withDataset(files) { folder in
            var options = DataOptions()
            options.fractions = SplitFractions(train: 1.0 / 3, valid: 1.0 / 3, test: 1.0 / 3)
            if let column { options.itemCategoryColumn = column }
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
    }

    @Test func aCategoryColumnByAnotherNameIsNotedThenUsedWhenConfigured() throws {
        let unconfigured = try prepared(nil)
        #expect(!unconfigured.sequence.tokenFields.contains { $0.name == "category_id" })
        // Unconfigured, the column still reaches the events, as any items.csv token column does.
        #expect(unconfigured.report.notes == ["events get items.csv columns category, price (data.event_item_columns; [] turns it off)",
                                              "items.csv has a token column \"category\" but data.item_category_column is \"category_id\"; "
                                              + "set data.item_category_column=category to use it as each event's category"])
        let configured = try prepared("category")
        #expect(configured.sequence.tokenFields.contains { $0.name == "category_id" })
        #expect(!configured.sequence.tokenFields.contains { $0.name == "item.category" })
        #expect(configured.report.notes == ["events get items.csv columns price (data.event_item_columns; [] turns it off)"])
    }
}

@Suite struct AutoSplitTests {
    /// 60 users, three samples each (overlapping windows of one user), every fifth user anomalous.
    func dataset(splitColumn: Bool) -> [String: String] {
        var events = "user_id:token,timestamp:float,event_type:token,item_id:token\n"
        var labels = "sample_id:token,user_id:token,cutoff:float,label:float" + (splitColumn ? ",split:token" : "") + "\n"
        for u in 0..<60 {
            for t in 0..<3 {
                events += "u\(u),\(t + 1),view,i\(t)\n"
                labels += "s\(u)_\(t),u\(u),\(t + 1),\(u % 5 == 0 ? 1 : 0)" + (splitColumn ? "," + ["train", "train", "valid", "test"][u % 4] : "") + "\n"
            }
        }
        return ["events.csv": events, "labels.csv": labels]
    }

    func prepared(_ files: [String: String], _ strategy: SplitStrategy) throws -> PreparedDataset {
        try withDataset(files) { folder in
            var options = DataOptions()
            options.split = strategy
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
    }

    func usersInSeveralSplits(_ d: PreparedDataset) -> Int {
        var roles: [String: Set<SplitRole>] = [:]
        for i in 0..<d.sampleCount { roles[String(d.sampleIDs[i].split(separator: "_")[0]), default: []].insert(d.roles[i]) }
        return roles.values.filter { $0.count > 1 }.count
    }

    @Test func theDatasetsOwnSplitColumnIsTheDefault() throws {
        let d = try prepared(dataset(splitColumn: true), .auto)
        #expect(d.splitStrategy == .column)
        #expect(d.report.notes.contains("labels.csv has a split column, so it is used (data.split.strategy auto → column)"))
        #expect(d.roles[0] == .train && d.roles[3 * 2] == .valid && d.roles[3 * 3] == .test)
    }

    @Test func usersWithSeveralSamplesAreKeptWholeByDefault() throws {
        let d = try prepared(dataset(splitColumn: false), .auto)
        #expect(d.splitStrategy == .grouped && usersInSeveralSplits(d) == 0)
        #expect(d.report.notes.contains { $0.hasPrefix("60 users have several samples, so the split keeps each user whole") })
        // Stratified over users: every split holds anomalous users.
        for role in SplitRole.allCases { #expect(d.indices(role).contains { d.labels[$0] == 1 }, "\(role)") }
        // Choosing stratified explicitly opts out, and then a user does land on both sides.
        #expect(usersInSeveralSplits(try prepared(dataset(splitColumn: false), .stratified)) > 0)
    }

    @Test func withOneSamplePerUserAutoIsExactlyStratified() throws {
        var files = dataset(splitColumn: false)
        files["labels.csv"] = files["labels.csv"]!.split(separator: "\n").enumerated().filter { $0.offset == 0 || $0.element.contains("_0,") }
            .map(\.element).joined(separator: "\n") + "\n"
        let auto = try prepared(files, .auto), stratified = try prepared(files, .stratified)
        #expect(auto.splitStrategy == .stratified && auto.roles == stratified.roles && auto.report.notes.isEmpty)
    }
}
