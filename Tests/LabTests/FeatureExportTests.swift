import Foundation
import Testing
import Datasets
import Support
@testable import Lab

/// A hand-made shop of three users whose features can be worked out on paper.
/// u1's last event (t = 5000, on the web) is after s1's cutoff; max_length 3 truncates u1's
/// histories. `app` holds numeric-looking ids, one with a leading zero.
func handMadeShop() throws -> String {
    let folder = scratchDirectory()
    let files = [
        "events.csv": """
        user_id:token,timestamp:float,event_type:token,item_id:token,dwell:float,device:token,app:token
        u1,1000,search,,1,ios,101
        u1,1010,view,i1,5,ios,101
        u1,1030,view,i1,7,android,102
        u1,1060,buy,i2,3,ios,007
        u1,5000,view,i3,2,web,102
        u2,3600,view,i3,4,web,101
        u2,3604,view,i3,4,web,
        u3,7200,click,i4,1,ios,12
        """,
        "labels.csv": """
        sample_id:token,user_id:token,target_item_id:token,cutoff:float,label:float,anomaly_type:token,split:token
        s1,u1,i2,1060,0,normal,train
        s2,u1,i3,5000,1,price_manipulation,test
        s3,u2,i3,,0,,train
        s4,u3,i4,,1,click_farming,valid
        s5,u2,i1,3604,0,normal,train
        """,
        "users.csv": """
        user_id:token,region:token,account_age_days:float,tags:token_seq
        u1,north,100,shoes x
        u2,south,,
        u3,east,5,bags b3
        """,
        "items.csv": """
        item_id:token,category_id:token,brand:token,price:float,image:token
        i1,shoes,b1,100,images/i1.png
        i2,shoes,b2,200,
        i3,bags,b1,50,images/gone.png
        i4,shoes,b3,400,
        """,
    ]
    for (name, text) in files { try (text + "\n").write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
    try FileManager.default.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
    let red = RGBImage(width: 8, height: 8, red: 255, green: 0, blue: 51)
    try Data(try encodePNG(red)).write(to: URL(fileURLWithPath: folder + "/images/i1.png"))
    return folder
}

/// `folder`'s events.csv with `line` appended.
func appendEvent(_ line: String, to folder: String) throws {
    let path = folder + "/events.csv"
    try (read(path) + line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
}

func handMadeFeatures(_ folder: String) throws -> FeatureTable {
    let config = try FeatureExport.config(path: folder, overrides: ["data.split.strategy=column", "data.max_length=3", "data.images.size=4"])
    return try FeatureExport.table(config: config, reporter: { _ in })
}

/// The number in `column` for sample `id` (nil when missing, i.e. NaN).
private func value(_ t: FeatureTable, _ column: String, _ id: String) throws -> Double? {
    let c = try #require(t.column(column)?.numbers, "no numeric column \(column)")
    let v = c[try #require(t.row(ofSample: id))]
    return v.isNaN ? nil : v
}

private func token(_ t: FeatureTable, _ column: String, _ id: String) throws -> String {
    try #require(t.column(column)?.tokens, "no token column \(column)")[try #require(t.row(ofSample: id))]
}

private func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { a.map { Swift.abs($0 - b) <= tolerance } ?? false }

/// The CSV text parsed into a sample id → row map (fields as written).
private func parseCSV(_ path: String) -> (header: [String], rows: [String: [String]]) {
    let lines = read(path).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return (lines[0], Dictionary(uniqueKeysWithValues: lines.dropFirst().map { ($0[0], $0) }))
}

@Suite(.serialized) struct FeatureExportTests {
    @Test func sequenceAggregatesHaveTheirKnownValues() throws {
        let t = try handMadeFeatures(try handMadeShop())
        // s1: u1's whole history up to t = 1060 (max_length 3 truncates only the encoder's window):
        // search (1000, dwell 1), view i1 (1010, 5), view i1 (1030, 7), buy i2 (1060, 3).
        #expect(try value(t, "history_length", "s1") == 4)
        #expect(t.column("events") == nil)  // the window's length: gone with the window
        #expect(try value(t, "count_view", "s1") == 2)
        #expect(try value(t, "count_buy", "s1") == 1)
        #expect(try value(t, "count_search", "s1") == 1)
        #expect(close(try value(t, "frac_view", "s1"), 2.0 / 4))
        #expect(try value(t, "gap_mean", "s1") == 20)
        #expect(close(try value(t, "gap_std", "s1"), (200.0 / 3).squareRoot()))
        #expect(try value(t, "gap_min", "s1") == 10)
        #expect(try value(t, "gap_median", "s1") == 20)
        #expect(try value(t, "gap_max", "s1") == 30)
        #expect(try value(t, "dwell_mean", "s1") == 4)
        #expect(try value(t, "dwell_median", "s1") == 4)
        #expect(close(try value(t, "dwell_std", "s1"), 5.0.squareRoot()))
        #expect(try value(t, "dwell_last", "s1") == 3)
        #expect(close(try value(t, "repeat_ratio", "s1"), 1 - 2.0 / 3))
        #expect(try value(t, "distinct_items", "s1") == 2)
        #expect(try value(t, "distinct_categories", "s1") == 1)  // i1 and i2 are both shoes (joined via items.csv)
        #expect(try value(t, "distinct_device", "s1") == 2)
        #expect(try value(t, "distinct_app", "s1") == 3)
        #expect(try value(t, "span_seconds", "s1") == 60)
        #expect(try value(t, "last_hour", "s1") == 0)

        // s2: u1 up to 5000: s1's four events, then view i3 (5000).
        #expect(try value(t, "history_length", "s2") == 5)
        #expect(try value(t, "gap_median", "s2") == 25)
        #expect(try value(t, "repeat_ratio", "s2") == 0.25)
        #expect(try value(t, "distinct_categories", "s2") == 2)
        #expect(try value(t, "last_hour", "s2") == 1)
        // s3: two views of one item, 4 s apart.
        #expect(try value(t, "repeat_ratio", "s3") == 0.5)
        #expect(try value(t, "gap_std", "s3") == 0)
        // s4: one event, so no gaps, and a zero span.
        #expect(try value(t, "gap_mean", "s4") == nil)
        #expect(try value(t, "span_seconds", "s4") == 0)
        #expect(try value(t, "count_view", "s4") == 0)

        // Event types get a column only when seen in training histories: the click is only in
        // the validation sample.
        #expect(t.column("count_click") == nil)
    }

    @Test func profileItemAndImageColumns() throws {
        let t = try handMadeFeatures(try handMadeShop())
        #expect(try token(t, "user_region", "s1") == "north")
        #expect(try value(t, "user_account_age_days", "s1") == 100)
        #expect(try value(t, "user_account_age_days", "s3") == nil)
        // A token list becomes its length, and "is the target's token in the user's list" for each
        // item token column sharing a token with it (category: shoes/bags; brand: b3).
        #expect(t.column("user_tags") == nil)
        #expect(try value(t, "user_tags_count", "s1") == 2)
        #expect(try value(t, "user_tags_count", "s3") == 0)
        #expect(try value(t, "item_category_id_in_user_tags", "s1") == 1)  // u1 lists shoes; i2 is shoes
        #expect(try value(t, "item_category_id_in_user_tags", "s2") == 0)  // i3 is bags
        #expect(try value(t, "item_category_id_in_user_tags", "s4") == 0)  // u3 lists bags; i4 is shoes
        #expect(try value(t, "item_brand_in_user_tags", "s4") == 1)       // … and b3, i4's brand
        #expect(t.column("item_price_in_user_tags") == nil)
        #expect(try token(t, "item_category_id", "s2") == "bags")
        #expect(try token(t, "item_brand", "s4") == "b3")
        #expect(try value(t, "item_price", "s4") == 400)
        #expect(t.column("item_image") == nil)

        // Training targets of shoes: i2 (200, s1) and i1 (100, s5): log-price mean log √20000, std log 2 / 2.
        #expect(close(try value(t, "item_price_z_in_category", "s1"), 1))
        #expect(close(try value(t, "item_price_z_in_category", "s5"), -1))
        #expect(close(try value(t, "item_price_z_in_category", "s4"), 3))
        #expect(try value(t, "item_price_z_in_category", "s2") == nil)  // bags: one training price only

        // i1's picture is solid (255, 0, 51); i3's file is missing (masked: empty); i2 has none.
        #expect(try value(t, "image_mean_red", "s5") == 1)
        #expect(try value(t, "image_mean_green", "s5") == 0)
        #expect(close(try value(t, "image_mean_blue", "s5"), 0.2))
        #expect(try value(t, "image_std_red", "s5") == 0)
        #expect(close(try value(t, "image_brightness", "s5"), 0.299 + 0.114 * 0.2))
        #expect(try value(t, "image_mean_red", "s2") == nil)
        #expect(try value(t, "image_mean_red", "s1") == nil)

        #expect(t.anomalyTypes == ["normal", "price_manipulation", "normal", "click_farming", "normal"])
        #expect(t.roles == [.train, .test, .train, .valid, .train])
    }

    @Test func theTargetAndTheLastEventsTokensAreColumns() throws {
        let t = try handMadeFeatures(try handMadeShop())
        #expect(try token(t, "target_item_id", "s1") == "i2")
        #expect(try token(t, "target_item_id", "s4") == "i4")
        // s1's history ends with u1's buy at 1060 (ios, app 007); s2's with the view at 5000 (web, 102).
        #expect(try token(t, "last_device", "s1") == "ios")
        #expect(try token(t, "last_app", "s1") == "007")
        #expect(try token(t, "last_event_type", "s1") == "buy")
        #expect(try token(t, "last_device", "s2") == "web")
        #expect(try token(t, "last_app", "s2") == "102")
        #expect(try token(t, "last_event_type", "s4") == "click")
        #expect(try token(t, "last_app", "s3") == "")  // the last event leaves app empty: missing, not an earlier value
        // Keys say nothing per sample; the last item is the target.
        #expect(t.column("last_user_id") == nil)
        #expect(t.column("last_item_id") == nil)
    }

    @Test func nothingAfterTheCutoffReachesTheLastEventColumns() throws {
        let folder = try handMadeShop()
        let reference = try handMadeFeatures(folder)
        // One second after s1's cutoff (1060), on another device and app: s1's row must not move.
        try appendEvent("u1,1061,view,i4,9,tablet,999", to: folder)
        let t = try handMadeFeatures(folder)
        #expect(try token(t, "last_device", "s1") == "ios")
        #expect(try token(t, "last_app", "s1") == "007")
        let s1 = try #require(t.row(ofSample: "s1"))
        #expect(t.csv.rows[s1] == reference.csv.rows[s1])
        #expect(try token(t, "last_device", "s2") == "web")  // s2 (cutoff 5000) ends after it
        #expect(try value(t, "history_length", "s2") == 6)    // … and has it in its history
    }

    @Test func itemColumnsAggregateOverTheHistorysItems() throws {
        let folder = try handMadeShop()
        let t = try handMadeFeatures(folder)
        // s1's history: a search (no item), i1 (100, b1) twice, then i2 (200, b2).
        #expect(close(try value(t, "history_item_price_mean", "s1"), 400.0 / 3))
        #expect(try value(t, "history_item_price_min", "s1") == 100)
        #expect(try value(t, "history_item_price_max", "s1") == 200)
        #expect(try value(t, "history_item_brand_distinct", "s1") == 2)
        #expect(try token(t, "history_item_brand_last", "s1") == "b2")
        #expect(close(try value(t, "history_item_brand_top_share", "s1"), 2.0 / 3))
        // s4: one click on i4.
        #expect(try value(t, "history_item_price_std", "s4") == 0)
        #expect(try value(t, "history_item_brand_top_share", "s4") == 1)
        // Not the id, the category (distinct_categories has it) or the picture path.
        #expect(t.columns.filter { $0.name.hasPrefix("history_item_category_id") || $0.name.hasPrefix("history_item_image") }.isEmpty)

        // The column list is a parameter.
        let config = try FeatureExport.config(path: folder, overrides: ["data.split.strategy=column", "data.max_length=3"])
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        runner.keepSampleEvents = true
        let prepared = try runner.dataset(fold: nil)
        let only = try FeatureExport.table(raw: try RawDataset.load(folder: folder), prepared: prepared, imageSize: 4, imagePolicy: .mask,
                                           windowItemColumns: ["price"])
        #expect(only.columns.filter { $0.name.hasPrefix("history_item_") }.map(\.name)
                == ["history_item_price_mean", "history_item_price_std", "history_item_price_min", "history_item_price_median", "history_item_price_max"])
    }

    @Test func theHeaderCarriesTheDatasetFormatsTypes() throws {
        let t = try handMadeFeatures(try handMadeShop())
        let path = scratchDirectory() + "/features.csv"
        try t.write(to: path)
        let (header, rows) = parseCSV(path)
        #expect(Array(header.prefix(4)) == FeatureTable.leadingColumns.map(\.headerField))
        for field in ["history_length:float", "user_region:token", "item_price:float", "target_item_id:token", "last_device:token", "last_app:token"] {
            #expect(header.contains(field), "no \(field) in \(header)")
        }
        // Numeric-looking ids stay tokens, written as they were read.
        let s1 = try #require(rows["s1"])
        #expect(s1[try #require(header.firstIndex(of: "last_app:token"))] == "007")
        // The file reads as an atomic file of the dataset format, with those types.
        let table = try AtomicTable.read(path: path)
        #expect(table.columns.map(\.spec) == FeatureTable.leadingColumns + t.columns.map(\.spec))
        let app = try #require(table.column("last_app"))
        #expect(app.spec.type == .token && app.tokens.string(app.tokenIDs![0]) == "007")
        #expect(table.column("label")?.floatValues == [0, 1, 0, 1, 0])
    }

    @Test func aMissingImageStopsTheExportUnderPolicyError() throws {
        let folder = try handMadeShop()
        let config = try FeatureExport.config(path: folder, overrides: ["data.split.strategy=column", "data.images.missing=error"])
        #expect(throws: ImageError.self) { try FeatureExport.table(config: config, reporter: { _ in }) }
    }

    @Test func theSplitColumnIsTheRunsSplit() throws {
        let out = scratchDirectory()
        let config = try tinyConfig(out, ["training.epochs=1", "output.save_checkpoints=false"])
        let result = try ExperimentRunner(config: config, reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
        let predictions = parseCSV(result.directory + "/predictions.csv").rows
        let path = out + "/features.csv"
        try FeatureExport.table(config: config, reporter: { _ in }).write(to: path)
        let (header, features) = parseCSV(path)
        #expect(Array(header.prefix(4)) == ["sample_id:token", "split:token", "label:float", "anomaly_type:token"])
        #expect(features.count == predictions.count && features.count == 400)
        for (id, row) in predictions {
            let f = try #require(features[id], "sample \(id) missing from features.csv")
            #expect(f[1] == row[1] && f[2] == row[2] && f[3] == row[3], "sample \(id): features \(f.prefix(4)) vs predictions \(row.prefix(4))")
        }
        #expect(Set(features.values.map { $0[1] }) == ["train", "valid", "test"])
    }

    /// With heads in the config, the export carries their surprises — the run's out-of-fold ones.
    @Test func headsAddTheirOutOfFoldSurprises() throws {
        let out = scratchDirectory()
        let heads = #"model.consistency.heads={"price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}}"#
        let config = try tinyConfig(out, [heads, "model.consistency.folds=2", "model.consistency.epochs=2"])
        let table = try FeatureExport.table(config: config, reporter: { _ in })
        let column = try #require(table.column("surprise_price_in_listing")?.numbers)
        // The same seed's run fits the same heads: its predictions.csv holds the same surprises.
        let runner = ExperimentRunner(config: config.setting(["training", "epochs"], to: 1), reporter: { _ in })
        runner.interactive = false
        let result = try runner.run(seed: 0, fold: nil, resume: false)
        let predictions = parseCSV(result.directory + "/predictions.csv").rows
        for (k, id) in table.sampleIDs.enumerated() {
            let fromRun = Double(predictions[id]!.last!) ?? .nan
            #expect(fromRun.isNaN ? column[k].isNaN : Swift.abs(fromRun - column[k]) < 1e-6, "\(id)")
        }
        #expect(try FeatureExport.table(config: tinyConfig(scratchDirectory()), reporter: { _ in }).column("surprise_price_in_listing") == nil)
    }

    @Test func priceStatisticsComeFromTrainingSamplesOnly() throws {
        func features(_ folder: String) throws -> FeatureTable {
            try FeatureExport.table(config: try FeatureExport.config(path: folder, overrides: []), reporter: { _ in })
        }
        let reference = try features(tinyShop)
        let z = try #require(reference.column("item_price_z_in_category")?.numbers)
        let labels = try AtomicTable.read(path: tinyShop + "/labels.csv")
        let targets = labels.column("target_item_id")!
        let targetCounts = Dictionary(grouping: targets.tokenIDs!, by: { $0 }).mapValues(\.count)
        func uniqueTarget(_ role: SplitRole) throws -> Int {
            try #require((0..<reference.sampleCount).first { reference.roles[$0] == role && targetCounts[targets.tokenIDs![$0]] == 1 && z[$0].isFinite })
        }
        // Triple one sample's target price: for a test sample only its own row may change; for
        // a training sample its category's statistics move, so others' z-scores change too.
        for (role, othersMayChange) in [(SplitRole.test, false), (.train, true)] {
            let sample = try uniqueTarget(role)
            let item = targets.tokens.string(targets.tokenIDs![sample])
            let changed = try copyOfTinyShop(tripling: item)
            let t = try features(changed)
            let z2 = try #require(t.column("item_price_z_in_category")?.numbers)
            #expect(z2[sample] != z[sample], "the changed sample's own z-score must move")
            let othersChanged = (0..<t.sampleCount).filter { $0 != sample && !(z2[$0] == z[$0] || (z2[$0].isNaN && z[$0].isNaN)) }.count
            if othersMayChange { #expect(othersChanged > 0) } else { #expect(othersChanged == 0) }
            // Nothing else of any other row moves either.
            let before = reference.csv.rows, after = t.csv.rows
            // (Histories that hold the item see its new price too: a per-sample fact, not a statistic.)
            let priceColumns = Set(t.csv.header.indices.filter { k in
                ["item_price:float", "item_price_z_in_category:float"].contains(t.csv.header[k]) || t.csv.header[k].hasPrefix("history_item_price_")
            })
            #expect(priceColumns.count == 7)
            for i in 0..<t.sampleCount where i != sample {
                let same = before[i].indices.allSatisfy { priceColumns.contains($0) || before[i][$0] == after[i][$0] }
                #expect(same, "row \(i) changed outside the price columns")
            }
        }
    }

    @Test func theCSVIsWrittenAtomically() throws {
        let t = try handMadeFeatures(try handMadeShop())
        let directory = scratchDirectory()
        let path = directory + "/features.csv"
        try "old content\n".write(toFile: path, atomically: false, encoding: .utf8)
        try t.write(to: path)
        let text = read(path)
        #expect(text.hasPrefix("sample_id:token,split:token,label:float,anomaly_type:token,history_length:float,count_buy:float,"))
        #expect(text.split(separator: "\n").count == 6)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["features.csv"])  // no temporary left

        // A write that fails (the target is a directory) leaves the target and no temporary file.
        let blocked = directory + "/blocked.csv"
        try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: false)
        #expect(throws: DurableFile.WriteError.self) { try t.write(to: blocked) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["blocked.csv", "features.csv"])
    }

    @Test func badPathsAreClearErrors() throws {
        let missing = "/nonexistent/fl-features-\(UUID().uuidString)"
        #expect(throws: FeatureExportError.notFound(path: missing)) { try FeatureExport.config(path: missing, overrides: []) }
        let message = FeatureExportError.notFound(path: missing).description
        #expect(message.contains(missing) && message.contains("config") && message.contains("dataset folder"))

        // A config whose dataset folder is absent (and not generated) names the folder.
        let config = try tinyConfig(scratchDirectory(), ["data.path=\(missing)"])
        do {
            _ = try FeatureExport.table(config: config, reporter: { _ in })
            Issue.record("expected an error for a missing dataset")
        } catch let error as DatasetError {
            #expect(error.description.contains(missing))
        }

        // An output folder that does not exist.
        let t = try handMadeFeatures(try handMadeShop())
        do {
            try t.write(to: missing + "/features.csv")
            Issue.record("expected an error for a missing output folder")
        } catch {
            #expect("\(error)".contains(missing) && "\(error)".contains("directory exist"))
        }
        #expect(throws: FeatureExportError.noSuchFold(fold: 1, folds: nil)) {
            try FeatureExport.table(config: try FeatureExport.config(path: tinyShop, overrides: []), fold: 1, reporter: { _ in })
        }
    }
}

/// The tiny shop with one item's price tripled (images shared by a symbolic link).
private func copyOfTinyShop(tripling item: String) throws -> String {
    let folder = scratchDirectory()
    for f in ["events.csv", "labels.csv", "users.csv"] { try FileManager.default.copyItem(atPath: tinyShop + "/" + f, toPath: folder + "/" + f) }
    // A copy, not a symlink: a dataset's images must really be inside its folder.
    try FileManager.default.copyItem(atPath: tinyShop + "/images", toPath: folder + "/images")
    var lines = read(tinyShop + "/items.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let priceColumn = try #require(lines[0].firstIndex(of: "price:float"))
    let row = try #require(lines.firstIndex { $0[0] == item })
    lines[row][priceColumn] = String(Double(lines[row][priceColumn])! * 3)
    try (lines.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n").write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    return folder
}
