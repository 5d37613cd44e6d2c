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
        #expect(unconfigured.report.notes == ["items.csv has a token column \"category\" but data.item_category_column is \"category_id\"; "
                                              + "set data.item_category_column=category to use it as each event's category"])
        let configured = try prepared("category")
        #expect(configured.sequence.tokenFields.contains { $0.name == "category_id" })
        #expect(configured.report.notes.isEmpty)
    }
}
