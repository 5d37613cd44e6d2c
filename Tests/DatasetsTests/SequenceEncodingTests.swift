import Testing
@testable import Datasets

/// Item hashing and minimum frequency: the encoding paths the default options do not take.
@Suite struct SequenceEncodingTests {
    let files = [
        "events.csv": """
        user_id:token,timestamp:float,event_type:token,item_id:token
        u1,1,view,i1
        u1,2,view,i1
        u1,3,click,i2
        u2,1,view,i1
        u2,2,buy,
        u3,5,view,i7
        """,
        "labels.csv": "sample_id:token,user_id:token,label:float,split:token\ns1,u1,0,train\ns2,u2,1,train\ns3,u3,0,test\n",
    ]

    func prepared(_ configure: (inout DataOptions) -> Void) throws -> PreparedDataset {
        try withDataset(files) { folder in
            var options = DataOptions()
            options.split = .column
            options.maxLength = 3
            configure(&options)
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
    }

    @Test func hashedItemsUseTheFixedHash() throws {
        let d = try prepared { $0.itemHashBuckets = 5 }
        let items = try #require(d.sequence.field("item_id"))
        #expect(items.size == 5 + Vocabulary.reserved)
        func bucket(_ id: String) -> Int32 {
            var s = id
            return Int32(s.withUTF8 { TokenInterner.hash($0) } % 5) + Int32(Vocabulary.reserved)
        }
        // Hashing needs no training occurrence: i7 (test only) has its bucket too.
        #expect(items.values == [bucket("i1"), bucket("i1"), bucket("i2"),
                                 bucket("i1"), Vocabulary.missing, 0,
                                 bucket("i7"), 0, 0])
    }

    @Test func rareTokensBecomeUnknown() throws {
        let d = try prepared { $0.minFrequency = 2 }
        // Training counts: i1 ×3, i2 ×1; view ×3, click ×1, buy ×1.
        let items = try #require(d.sequence.field("item_id"))
        #expect(items.size == Vocabulary.reserved + 1)
        #expect(items.values == [3, 3, Vocabulary.unknown, 3, Vocabulary.missing, 0, Vocabulary.unknown, 0, 0])
        let types = try #require(d.sequence.field("event_type"))
        #expect(types.values == [3, 3, Vocabulary.unknown, 3, Vocabulary.unknown, 0, 3, 0, 0])
    }
}
