import Foundation
import Testing
@testable import Datasets

/// A fresh temporary folder path (not created), removed after `body`.
func withShopFolder<R>(_ body: (String) throws -> R) throws -> R {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fl-shop-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// Every file under `folder` (relative path → bytes).
func shopFiles(_ folder: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: folder)!
    while let name = enumerator.nextObject() as? String {
        let path = (folder as NSString).appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
    }
    return files
}

/// A tiny shop, smaller still where a test only needs a few users.
func tinyShopConfig(seed: UInt64 = 0, users: Int? = nil) -> ShopConfig {
    var config = ShopConfig(preset: .tiny, seed: seed)
    if let users { config.userCount = users }
    return config
}

@Suite struct SyntheticShopTests {
    @Test func sameSeedWritesIdenticalBytesAndAnotherSeedDoesNot() throws {
        try withShopFolder { a in
            try withShopFolder { b in
                try withShopFolder { c in
                    try SyntheticShop(config: tinyShopConfig()).write(to: a)
                    try SyntheticShop(config: tinyShopConfig()).write(to: b)
                    try SyntheticShop(config: tinyShopConfig(seed: 1)).write(to: c)
                    let first = try shopFiles(a), second = try shopFiles(b), other = try shopFiles(c)
                    for name in ["events.csv", "users.csv", "items.csv", "labels.csv", "meta.json", "README.md"] {
                        #expect(first[name] != nil, "\(name) was not written")
                    }
                    #expect(first.keys.filter { $0.hasPrefix("images/") }.count == 300)
                    #expect(first == second)
                    for name in ["events.csv", "users.csv", "items.csv", "labels.csv", "images/i0.png", "images/i0.jpg"] where first[name] != nil {
                        #expect(first[name] != other[name], "\(name) is the same for seeds 0 and 1")
                    }
                    #expect(!first.keys.contains { $0.hasSuffix(".partial") })
                }
            }
        }
    }

    @Test func writtenFolderLoadsAndPrepares() throws {
        try withShopFolder { folder in
            let config = tinyShopConfig()
            let summary = try SyntheticShop(config: config).write(to: folder)
            let raw = try RawDataset.load(folder: folder)
            #expect(raw.sampleCount == config.userCount)
            #expect(raw.events.rowCount == summary.events)
            #expect(raw.items?.rowCount == config.itemCount)
            // Reviews carry a whole number of stars, 1…5; every other event an empty rating.
            let kinds = raw.events.column("event_type")!, ratings = raw.events.column("rating")!.floatValues!
            var reviews = 0
            for r in 0..<raw.events.rowCount {
                if kinds.tokens.string(kinds.tokenIDs![r]) == "review" {
                    reviews += 1
                    #expect((1...5).contains(ratings[r]) && ratings[r] == ratings[r].rounded())
                } else {
                    #expect(ratings[r].isNaN)
                }
            }
            #expect(reviews > 100)
            var options = DataOptions()
            options.eventTokenColumns = ["device", "region"]
            options.eventFloatColumns = ["dwell", "rating"]
            options.missingEntityPolicy = .error
            let prepared = try PreparedDataset.prepare(raw, options: options)
            #expect(prepared.report.droppedEvents == 0)
            #expect(prepared.report.samplesWithoutEvents == 0)
            #expect(prepared.imagePaths.allSatisfy { $0 != nil })
            #expect(prepared.profile?.present.allSatisfy { $0 } == true)
            #expect(prepared.attributes?.present.allSatisfy { $0 } == true)
            #expect(prepared.sequence.lengths.allSatisfy { $0 > 0 })
            // Every sample's target item is touched by its last event at or before the cutoff.
            let shop = try SyntheticShop(config: config)
            for i in [0, 7, 123, 399] {
                let u = shop.user(i)
                #expect(prepared.targetItems[i] == "i\(u.target)")
                #expect(u.events.allSatisfy { $0.timeMillis <= u.cutoffMillis })
            }
        }
    }

    @Test func countsPerTypeAndRateAreAsConfigured() throws {
        var config = tinyShopConfig(users: 250)
        config.anomalyRate = 0.2
        config.anomalyTypes = try AnomalyType.parseList("brushing, bot_crawler,brushing")
        #expect(config.anomalyTypes == [.brushing, .botCrawler])
        try withShopFolder { folder in
            let summary = try SyntheticShop(config: config).write(to: folder)
            #expect(summary.samplesPerType == ["normal": 200, "brushing": 25, "bot_crawler": 25])
            let labels = try AtomicTable.read(path: (folder as NSString).appendingPathComponent("labels.csv"))
            let types = labels.column("anomaly_type")!
            var counts: [String: Int] = [:]
            for id in types.tokenIDs! { counts[types.tokens.string(id), default: 0] += 1 }
            #expect(counts == ["normal": 200, "brushing": 25, "bot_crawler": 25])
            let label = labels.column("label")!.floatValues!
            #expect(label.reduce(0, +) == 50)
            let meta = try JSONDecoder().decode(ShopSummary.self, from: Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("meta.json"))))
            #expect(meta == summary)
        }
        // Uneven splits give the remainder to the first types: 10 anomalous samples over the
        // seven types (rating_manipulation last).
        config.userCount = 103
        config.anomalyTypes = AnomalyType.allCases
        config.anomalyRate = 0.1
        #expect(config.anomalyCounts.map(\.count) == [2, 2, 2, 1, 1, 1, 1])
        #expect(config.anomalyCounts.last?.type == .ratingManipulation)
        #expect(throws: ShopConfigError.unknownAnomalyType("phishing")) { try AnomalyType.parseList("brushing,phishing") }
        config.anomalyRate = 0.9
        #expect(throws: ShopConfigError.self) { try SyntheticShop(config: config) }
    }

    @Test func imagesDecodeAtTheConfiguredSizeHalfPNGHalfJPEG() throws {
        var config = tinyShopConfig(users: 40)
        config.itemCount = 80
        config.imageSize = 48
        try withShopFolder { folder in
            try SyntheticShop(config: config).write(to: folder)
            let items = try AtomicTable.read(path: (folder as NSString).appendingPathComponent("items.csv"))
            let paths = items.column("image")!
            var png = 0
            for id in paths.tokenIDs! {
                let path = (folder as NSString).appendingPathComponent(paths.tokens.string(id))
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { png += 1 } else { #expect(bytes.starts(with: [0xFF, 0xD8])) }
                let image = try decodeImage(data: bytes)
                #expect(image.width == 48 && image.height == 48)
            }
            #expect((24...56).contains(png), "\(png) of 80 pictures are PNG")
        }
    }

    @Test func refusesANonEmptyFolderUnlessForced() throws {
        try withShopFolder { folder in
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try "keep".write(toFile: (folder as NSString).appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
            let shop = try SyntheticShop(config: tinyShopConfig(users: 30))
            #expect(throws: ShopWriteError.folderNotEmpty(folder)) { try shop.write(to: folder) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["notes.txt"])
            try shop.write(to: folder, overwrite: true)
            try shop.write(to: folder, overwrite: true)  // over its own output, images/ replaced whole
            let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
            #expect(names == ["notes.txt", "events.csv", "users.csv", "items.csv", "labels.csv", "images", "meta.json", "README.md"])
        }
    }

    @Test func csvFieldsAreQuotedAsRFC4180Requires() throws {
        #expect(CSVBuffer.field("plain") == Array("plain".utf8))
        #expect(CSVBuffer.field("a,b") == Array("\"a,b\"".utf8))
        #expect(CSVBuffer.field("say \"hi\"") == Array("\"say \"\"hi\"\"\"".utf8))
        #expect(CSVBuffer.field("two\nlines") == Array("\"two\nlines\"".utf8))
        var out = CSVBuffer()
        out.raw(Array("name:token,value:float\n".utf8))
        out.text("a,\"b\"\r\nc"); out.comma(); out.number(-2.5, decimals: 2); out.newline()
        let table = try AtomicTable.parse(bytes: out.bytes, file: "t.csv")
        let name = table.column("name")!
        #expect(name.tokens.string(name.tokenIDs![0]) == "a,\"b\"\r\nc")
        #expect(table.column("value")!.floatValues == [-2.5])
    }

    @Test func numbersAreFormattedExactly() {
        var out = CSVBuffer()
        out.fixed(units: 1_716_565_440_326, decimals: 3); out.comma()
        out.fixed(units: 5, decimals: 1); out.comma()
        out.fixed(units: -7, decimals: 2); out.comma()
        out.number(19.999, decimals: 2); out.comma()
        out.number(.nan, decimals: 2); out.comma()
        out.int(0); out.comma()
        out.id(UInt8(ascii: "u"), 1_234_567)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "1716565440.326,0.5,-0.07,20.00,,0,u1234567")
    }

    @Test func addingAUserLeavesTheWorldAndOtherUsersAlone() throws {
        let small = try SyntheticShop(config: tinyShopConfig(users: 200))
        let larger = try SyntheticShop(config: tinyShopConfig(users: 201))
        #expect(small.world.items.map(\.price) == larger.world.items.map(\.price))
        #expect(small.world.items.map(\.image) == larger.world.items.map(\.image))
        var same = 0
        for i in 0..<200 where small.roles[i] == larger.roles[i] {
            let a = small.user(i), b = larger.user(i)
            if a.events.map(\.timeMillis) == b.events.map(\.timeMillis) && a.target == b.target { same += 1 }
        }
        #expect(same >= 190, "only \(same) of 200 users kept their events")
    }
}
