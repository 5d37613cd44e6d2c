import Foundation
import Testing
@testable import Datasets

/// Writes a dataset folder from file texts and removes it afterwards.
func withDataset<R>(_ files: [String: String], _ body: (String) throws -> R) throws -> R {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fl-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for (name, text) in files { try text.write(toFile: (folder as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return try body(folder)
}

@Suite struct PreparationTests {
    // u1: four events, sample cut off at t=300 (the t=400 event is in the future).
    // u2: two events; u3: one event of an item seen only by a test sample.
    let files = [
        "events.csv": """
        user_id:token,timestamp:float,event_type:token,item_id:token,dwell:float
        u1,100,view,i1,5
        u1,200,click,i1,1
        u1,300,buy,i2,
        u1,400,view,i9,3
        u2,3700,view,i2,2
        u2,3600,search,,4
        u3,50,view,i3,7
        """,
        "users.csv": "user_id:token,age:float,device:token\nu1,30,ios\nu2,50,android\nu3,,web\n",
        "items.csv": "item_id:token,price:float,category_id:token\ni1,10,shoes\ni2,20,bags\ni3,30,hats\ni9,40,shoes\n",
        "labels.csv": """
        sample_id:token,user_id:token,cutoff:float,label:float,anomaly_type:token,split:token
        s1,u1,300,1,click_farming,train
        s2,u2,,0,,train
        s3,u3,,1,bot_crawler,test
        """,
    ]

    func prepared(_ configure: (inout DataOptions) -> Void = { _ in }) throws -> PreparedDataset {
        try withDataset(files) { folder in
            var options = DataOptions()
            options.split = .column
            options.maxLength = 3
            options.eventFloatColumns = ["dwell"]
            options.populationFeatures = false   // their own tests: PopulationFeatureTests
            configure(&options)
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
    }

    @Test func sequencesStopAtTheCutoffAndKeepTheMostRecent() throws {
        let d = try prepared()
        #expect(d.sequence.lengths == [3, 2, 1])
        // Vocabulary indices follow first appearance: view 3, click 4, buy 5, search 6.
        let types = d.sequence.field("event_type")!.values
        #expect(Array(types[0..<3]) == [3, 4, 5])          // u1 up to t = 300; the view at 400 is future
        #expect(Array(types[3..<6]) == [6, 3, 0])          // u2 sorted by time (file order was reversed), padded
        #expect(Array(types[6..<9]) == [3, 0, 0])
        let items = d.sequence.field("item_id")!
        #expect(items.values[0..<3].allSatisfy { $0 >= Vocabulary.reserved })
        #expect(d.targetItems == ["i2", "i2", "i3"])
        #expect(items.values[3] == Vocabulary.missing)      // a search has no item
    }

    @Test func vocabulariesComeFromTrainingSamplesOnly() throws {
        let d = try prepared()
        let items = d.sequence.field("item_id")!
        // i3 occurs only in the test sample: out of vocabulary. i9 occurs only after the cutoff.
        #expect(items.values[6] == Vocabulary.unknown)
        #expect(items.size == Vocabulary.reserved + 2)  // i1, i2
        let category = d.sequence.field("category_id")!
        #expect(category.values[6] == Vocabulary.unknown)  // hats: test only
    }

    @Test func standardisationUsesTrainingStatistics() throws {
        let d = try prepared()
        let profile = try #require(d.profile)
        #expect(profile.floatNames == ["age"])  // no missing age among training users → no indicator
        // Training ages 30 and 50: mean 40, std 10.
        #expect(profile.floats == [-1, 1, 0])  // u3's missing age imputed with the training mean
        #expect(profile.categoricalSizes == [Vocabulary.reserved + 2])
        #expect(profile.categorical[2] == Vocabulary.unknown)  // "web" only in test
        // dwell is the first of the per-event floats (items.csv's price, joined, follows it).
        #expect(d.sequence.floatNames == ["dwell", "item.price"])
        let dwell = stride(from: 0, to: d.sequence.floats.count, by: 2).map { d.sequence.floats[$0] }
        // Training dwell values 5, 1, (missing), 2, 4 → mean 3.
        #expect(Swift.abs(dwell[0] - Float((5 - 3) / (2.5).squareRoot())) < 1e-5)
        #expect(dwell[2] == 0)
    }

    @Test func tokenListsBecomeIndicatorsOfTrainingTokens() throws {
        var withLists = files
        withLists["users.csv"] = "user_id:token,age:float,likes:token_seq\nu1,30,shoes bags\nu2,50,bags\nu3,,hats shoes\n"
        let d = try withDataset(withLists) { folder in
            var options = DataOptions()
            options.split = .column
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
        }
        let profile = try #require(d.profile)
        // Vocabulary from training users u1 and u2 only: "hats" (test only) gets no indicator.
        #expect(profile.floatNames == ["age", "likes=shoes", "likes=bags"])
        #expect(profile.floats == [-1, 1, 1,  1, 0, 1,  0, 1, 0])
        #expect(profile.ignoredColumns.isEmpty)
        #expect(profile.quantileEdges.count == 3 && profile.quantileEdges[1].isEmpty)
    }

    @Test func timeGapsAndHours() throws {
        let d = try prepared()
        let gaps = d.sequence.field("gap")!.values
        #expect(gaps[0] == 1)  // first event
        #expect(gaps[1] == 2 + Int32(log2(101.0)))
        #expect(d.sequence.field("hour")!.values[3] == 2)  // t = 3600 → hour 1 → index 2
    }

    @Test func anomalyTypesAndSplits() throws {
        let d = try prepared()
        #expect(d.roles == [.train, .train, .test])
        #expect(d.anomalyTypes == ["click_farming", "", "bot_crawler"])
        #expect(d.anomalyClassNames == ["normal", "click_farming"])
        #expect(d.anomalyClasses == [1, 0, -1])
    }

    @Test func unknownEntitiesAreDroppedOrReported() throws {
        var broken = files
        broken["events.csv"]! += "\nu4,10,view,i1,1\nu1,20,view,i404,1"
        let d = try withDataset(broken) { folder in
            var o = DataOptions(); o.split = .column
            return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: o)
        }
        #expect(d.report.eventsWithUnknownUser == 1 && d.report.eventsWithUnknownItem == 1 && d.report.droppedEvents == 2)
        #expect(throws: DatasetError.csv(file: "events.csv", line: 9, column: 1,
                                         message: "user \"u4\" has no row in users.csv (missing_entities: error; set \"drop\" to skip such events)")) {
            try withDataset(broken) { folder in
                var o = DataOptions(); o.split = .column; o.missingEntityPolicy = .error
                return try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: o)
            }
        }
    }

    @Test func duplicateIdsAndBadLabelsAreErrors() throws {
        var dup = files
        dup["users.csv"] = "user_id:token,age:float\nu1,3\nu2,4\nu1,5\n"
        #expect(throws: DatasetError.duplicateID(file: "users.csv", line: 4, id: "u1", firstLine: 2)) {
            try withDataset(dup) { try RawDataset.load(folder: $0) }
        }
        var bad = files
        bad["labels.csv"] = "sample_id:token,user_id:token,label:float\ns1,u1,2\n"
        #expect(throws: DatasetError.csv(file: "labels.csv", line: 2, column: 3, message: "label must be 0 or 1, found 2.0")) {
            try withDataset(bad) { try RawDataset.load(folder: $0) }
        }
        #expect(throws: DatasetError.self) { try withDataset(["labels.csv": "sample_id:token\n"]) { try RawDataset.load(folder: $0) } }
    }
}

@Suite struct SplitTests {
    func inputs(_ n: Int) -> SplitInputs {
        SplitInputs(labels: (0..<n).map { $0 % 10 == 0 ? 1 : 0 }, cutoffs: (0..<n).map { Double(($0 * 7919) % n) },
                    groups: (0..<n).map { Int32($0 / 4) }, declared: nil)
    }

    @Test func stratifiedKeepsTheAnomalyRateAndIsSeeded() throws {
        let x = inputs(1000)
        let roles = try Splitter.assign(x, strategy: .stratified, seed: 1)
        for role in SplitRole.allCases {
            let members = roles.indices.filter { roles[$0] == role }
            let rate = Double(members.filter { x.labels[$0] == 1 }.count) / Double(members.count)
            #expect(Swift.abs(rate - 0.1) < 0.01)
        }
        #expect(roles.filter { $0 == .train }.count == 700)
        #expect(try Splitter.assign(x, strategy: .stratified, seed: 1) == roles)
        #expect(try Splitter.assign(x, strategy: .stratified, seed: 2) != roles)
    }

    @Test func timeSplitTrainsOnThePast() throws {
        let x = inputs(200)
        let roles = try Splitter.assign(x, strategy: .time, seed: 1)
        let latestTrain = roles.indices.filter { roles[$0] == .train }.map { x.cutoffs[$0] }.max()!
        let earliestTest = roles.indices.filter { roles[$0] == .test }.map { x.cutoffs[$0] }.min()!
        #expect(latestTrain < earliestTest)
        #expect(throws: DatasetError.self) { try Splitter.assign(x, strategy: .time, seed: 1, fold: (0, 5)) }
    }

    @Test func userDisjointKeepsEachUserInOneSplit() throws {
        let x = inputs(400)
        let roles = try Splitter.assign(x, strategy: .userDisjoint, seed: 3)
        var roleOfGroup: [Int32: SplitRole] = [:]
        for (i, g) in x.groups.enumerated() {
            if let r = roleOfGroup[g] { #expect(r == roles[i]) } else { roleOfGroup[g] = roles[i] }
        }
        #expect(Set(roles).count == 3)
    }

    @Test func kFoldTestSetsPartitionTheSamples() throws {
        let x = inputs(103)
        var timesInTest = [Int](repeating: 0, count: 103)
        for k in 0..<5 {
            let roles = try Splitter.assign(x, strategy: .stratified, seed: 4, fold: (k, 5))
            for i in roles.indices where roles[i] == .test { timesInTest[i] += 1 }
            #expect(roles.contains(.valid))
        }
        #expect(timesInTest.allSatisfy { $0 == 1 })
    }

    @Test func splitSharesMustSumToOne() throws {
        let inputs = SplitInputs(labels: [1, 0, 0, 0], cutoffs: [1, 2, 3, 4], groups: [0, 1, 2, 3], declared: nil)
        #expect(throws: DatasetError.invalid(file: "config", message: "data.split.train (0.8) + data.split.valid (0.15) + data.split.test (0.15) = 1.1, but the shares must sum to 1")) {
            try Splitter.assign(inputs, strategy: .stratified, fractions: SplitFractions(train: 0.8, valid: 0.15, test: 0.15), seed: 0)
        }
        #expect(throws: DatasetError.invalid(file: "config", message: "data.split.train is 5.0, but a share must lie between 0 and 1")) {
            try Splitter.assign(inputs, strategy: .userDisjoint, fractions: SplitFractions(train: 5, valid: 0.15, test: 0.15), seed: 0)
        }
        #expect(throws: DatasetError.invalid(file: "config", message: "data.split.valid is -0.2, but a share must lie between 0 and 1")) {
            try Splitter.assign(inputs, strategy: .time, fractions: SplitFractions(train: 1, valid: -0.2, test: 0.2), seed: 0)
        }
        #expect(SplitFractions(train: 0.7, valid: 0.2, test: 0.1).problem == nil)
        #expect(SplitFractions(train: 1.0 / 3, valid: 1.0 / 3, test: 1.0 / 3).problem == nil)
    }
}
