import Testing
@testable import Datasets

/// items.csv columns joined to each event through its item (`data.event_item_columns`): the
/// values per event, the automatic choice, and statistics from training histories only.
@Suite struct ItemColumnJoinTests {
    // u1 and u2 are training samples, u3 a test sample; u1's search has no item.
    static let events = """
    user_id:token,timestamp:float,event_type:token,item_id:token
    u1,1,view,i1
    u1,2,view,i2
    u1,3,search,
    u2,1,view,i2
    u2,2,buy,i3
    u3,1,view,i4
    u3,2,view,i1
    """
    static let items = """
    item_id:token,price:float,brand:token,category_id:token,image:token,tags:token_seq
    i1,10,acme,shoes,images/i1.png,a b
    i2,20,zen,bags,,
    i3,30,acme,hats,,c
    i4,1000,nova,shoes,,
    """
    static let labels = "sample_id:token,user_id:token,label:float,split:token\ns1,u1,0,train\ns2,u2,1,train\ns3,u3,0,test\n"

    func prepared(items: String = Self.items, withItems: Bool = true, _ configure: (inout DataOptions) -> Void = { _ in }) throws -> PreparedDataset {
        var files = ["events.csv": Self.events, "labels.csv": Self.labels]
        if withItems { files["items.csv"] = items }
        return try withDataset(files) { folder in
            var options = DataOptions()
            options.split = .column
            options.maxLength = 3
            options.populationFeatures = false   // their own tests: PopulationFeatureTests
            configure(&options)
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
    }

    @Test func theAutomaticChoiceSkipsIdCategoryImageAndLists() throws {
        let d = try prepared()
        #expect(d.sequence.tokenFields.map(\.name) == ["event_type", "item_id", "category_id", "item.brand", "gap", "hour"])
        #expect(d.sequence.floatNames == ["item.price"])
        #expect(d.report.notes.contains("events get items.csv columns price, brand (data.event_item_columns; [] turns it off)"))
    }

    @Test func tokensJoinPerEventWithATrainingVocabulary() throws {
        let d = try prepared()
        let brand = try #require(d.sequence.field("item.brand"))
        // Training history events: acme (i1), zen (i2), — (search), zen (i2), acme (i3); nova (i4) is test-only.
        #expect(brand.tokens == ["<pad>", "<unk>", "<missing>", "acme", "zen"])
        #expect(brand.values == [3, 4, Vocabulary.missing,
                                 4, 3, 0,
                                 Vocabulary.unknown, 3, 0])
    }

    @Test func floatsAreStandardisedOnTrainingEventsOnly() throws {
        let d = try prepared()
        // Training history prices 10, 20, 20, 30 (the search has none): mean 20, std √50.
        let s = Float(50.0.squareRoot())
        let expected: [Float] = [-10 / s, 0, 0,  0, 10 / s, 0,  980 / s, -10 / s, 0]
        #expect(d.sequence.floats.count == expected.count)
        for (k, (got, want)) in zip(d.sequence.floats, expected).enumerated() {
            #expect(Swift.abs(got - want) < 1e-5, "event \(k): \(got), want \(want)")
        }
        // A test-only item's price moves nothing the training samples see.
        let moved = try prepared(items: Self.items.replacingOccurrences(of: "i4,1000", with: "i4,-5"))
        #expect(Array(moved.sequence.floats[0..<6]) == Array(d.sequence.floats[0..<6]))
        #expect(Swift.abs(moved.sequence.floats[6] - (-25 / s)) < 1e-5)
    }

    @Test func anExplicitListChoosesExactlyAndEmptyTurnsItOff() throws {
        let brand = try prepared { $0.eventItemColumns = ["brand"] }
        #expect(brand.sequence.tokenFields.map(\.name) == ["event_type", "item_id", "category_id", "item.brand", "gap", "hour"])
        #expect(brand.sequence.floatNames.isEmpty && brand.sequence.floats.isEmpty)
        #expect(!brand.report.notes.contains { $0.hasPrefix("events get") })
        let off = try prepared { $0.eventItemColumns = [] }
        #expect(off.sequence.tokenFields.map(\.name) == ["event_type", "item_id", "category_id", "gap", "hour"])
        #expect(off.sequence.floatNames.isEmpty)
        // Without items.csv the automatic choice is simply empty.
        let noItems = try prepared(withItems: false)
        #expect(noItems.sequence.floatNames.isEmpty && noItems.sequence.field("item.brand") == nil)
    }

    @Test func columnsThatCannotJoinAreErrors() throws {
        let choices = "choose among price, brand or [] for none"
        #expect(throws: DatasetError.invalid(file: "items.csv", message: "data.event_item_columns names \"colour\", which is not a column of items.csv; \(choices)")) {
            try prepared { $0.eventItemColumns = ["colour"] }
        }
        #expect(throws: DatasetError.invalid(file: "items.csv", message: "data.event_item_columns names \"category_id\", which is the id, category or image column; \(choices)")) {
            try prepared { $0.eventItemColumns = ["price", "category_id"] }
        }
        #expect(throws: DatasetError.invalid(file: "items.csv", message: "data.event_item_columns names \"tags\", which is :token_seq; \(choices)")) {
            try prepared { $0.eventItemColumns = ["tags"] }
        }
        do {
            _ = try prepared(withItems: false) { $0.eventItemColumns = ["price"] }
            Issue.record("a list without items.csv was accepted")
        } catch let error as DatasetError {
            guard case let .missingFile(path, hint) = error else { Issue.record("\(error)"); return }
            #expect(path.hasSuffix("/items.csv"))
            #expect(hint == "data.event_item_columns lists price, but the dataset has no items.csv; set it to [] or leave it out.")
        }
    }
}
