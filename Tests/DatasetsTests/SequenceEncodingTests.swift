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
        // The fixed hash is FNV-1a (64-bit) followed by h ^= h >> 33; h *= 0xFF51AFD7ED558CCD; h ^= h >> 33.
        // Worked out independently (Python, integers mod 2⁶⁴):
        //   i1 → 0x769917e6ce0168cf (mod 5 = 2), i2 → 0xf9bf2488114f44e9 (4), i7 → 0xbc8a55509b44056a (0);
        // buckets start after the reserved indices (3).
        for (id, h) in [("i1", 0x7699_17E6_CE01_68CF as UInt64), ("i2", 0xF9BF_2488_114F_44E9), ("i7", 0xBC8A_5550_9B44_056A)] {
            var s = id
            #expect(s.withUTF8 { TokenInterner.hash($0) } == h, "hash of \(id)")
        }
        let i1: Int32 = 5, i2: Int32 = 7, i7: Int32 = 3
        // Hashing needs no training occurrence: i7 (test only) has its bucket too.
        #expect(items.values == [i1, i1, i2,
                                 i1, Vocabulary.missing, 0,
                                 i7, 0, 0])
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
