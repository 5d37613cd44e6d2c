import Foundation
import Testing
import Datasets
import Support
@testable import Lab

/// The schema-derived history features: known values of the population columns on the hand-made
/// shop (FeatureExportTests.swift), nothing held out moving a training row or a statistic, and a
/// dataset with unusual column names getting features named after its own columns.
@Suite(.serialized) struct GenericFeatureTests {
    /// The number in `column` for sample `id` (nil when missing).
    private func number(_ t: FeatureTable, _ column: String, _ id: String) throws -> Double? {
        let c = try #require(t.column(column)?.numbers, "no numeric column \(column)")
        let v = c[try #require(t.row(ofSample: id))]
        return v.isNaN ? nil : v
    }

    private func near(_ a: Double?, _ b: Double) -> Bool { a.map { Swift.abs($0 - b) <= 1e-9 } ?? false }

    /// The prepared split of the hand-made shop's `folder` and its raw tables.
    private func prepared(_ folder: String) throws -> (RawDataset, PreparedDataset) {
        let config = try FeatureExport.config(path: folder, overrides: ["data.split.strategy=column", "data.max_length=3"])
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        runner.keepSampleEvents = true
        return (try RawDataset.load(folder: folder), try runner.dataset(fold: nil))
    }

    private func statistics(_ folder: String) throws -> PopulationStatistics {
        let (raw, d) = try prepared(folder)
        return PopulationAggregates.statistics(events: raw.events, histories: try #require(d.events), training: d.roles.map { $0 == .train })
    }

    @Test func theWindowIsTheTailOfTheWholeHistory() throws {
        let (_, d) = try prepared(try handMadeShop())
        let h = try #require(d.events)
        for i in 0..<d.sampleCount {
            #expect(h.windows[i].upperBound == h.histories[i].upperBound && h.windows[i].lowerBound >= h.histories[i].lowerBound)
            #expect(h.windows[i].count == min(3, h.histories[i].count))
        }
        // s1: u1's four events up to its cutoff, the search first; its window drops the search.
        let s1 = try #require(d.sampleIDs.firstIndex(of: "s1"))
        #expect(h.historyRows(s1).map { h.index.timestamps[Int($0)] } == [1000, 1010, 1030, 1060])
        #expect(h.rows(s1).count == 3)
    }

    @Test func deviationsAndPopularityHaveTheirKnownValues() throws {
        let t = try handMadeFeatures(try handMadeShop())
        // Counted: the training histories' events, once each — u1 up to 1060 (dwell 1 on the search,
        // 5 and 7 on i1, 3 on i2) and u2's two views of i3 (4, 4): column mean 24 / 6 = 4.
        // s1: i1's 5 against (7 + 4) / 2 = 5.5 → −0.5; i1's 7 against (5 + 4) / 2 → 2.5; i2's 3, its
        // item's only event, against the pseudo-event alone (4) → −1. The search has no item.
        #expect(near(try number(t, "dwell_vs_item_mean", "s1"), 1.0 / 3))
        #expect(near(try number(t, "dwell_vs_item_abs_mean", "s1"), 4.0 / 3))
        #expect(try number(t, "dwell_vs_item_abs_max", "s1") == 2.5)
        // The latest event with an item and a value: i2's 3 → −1.
        #expect(try number(t, "dwell_vs_item_last", "s1") == -1)
        // s2 (test) adds i3's 2 at 5000, not counted: against (4 + 4 + 4) / 3 → −2.
        #expect(near(try number(t, "dwell_vs_item_mean", "s2"), -1.0 / 4))
        #expect(try number(t, "dwell_vs_item_abs_mean", "s2") == 1.5)
        #expect(try number(t, "dwell_vs_item_last", "s2") == -2)
        // s3: each of u2's 4s against the other and the pseudo-event (4 + 4) / 2 → 0.
        #expect(try number(t, "dwell_vs_item_abs_max", "s3") == 0)
        // s4 (valid): i4 has no training event, so its mean is the column's: 1 − 4.
        #expect(try number(t, "dwell_vs_item_mean", "s4") == -3)

        // Popularity, each event without itself: s1's i1 events see one other i1 event (log 2),
        // its i2 event none (log 1 = 0, never seen elsewhere).
        #expect(near(try number(t, "log_item_count_mean", "s1"), 2 * Foundation.log(2) / 3))
        #expect(try number(t, "log_item_count_min", "s1") == 0)
        #expect(near(try number(t, "log_item_count_max", "s1"), Foundation.log(2)))
        #expect(near(try number(t, "unseen_item_share", "s1"), 1.0 / 3))
        // s2's uncounted i3 event sees both of u2's: log 3.
        #expect(near(try number(t, "log_item_count_max", "s2"), Foundation.log(3)))
        #expect(try number(t, "unseen_item_share", "s2") == 0.25)
        #expect(try number(t, "unseen_item_share", "s4") == 1)
    }

    /// The rows of the training samples, as written.
    private func trainingRows(_ t: FeatureTable) -> [[String]] {
        let rows = t.csv.rows
        return t.roles.indices.filter { t.roles[$0] == .train }.map { rows[$0] }
    }

    /// Everything the statistics count (not the per-row flags, whose length grows with an added event).
    private func sameCounts(_ a: PopulationStatistics, _ b: PopulationStatistics) -> Bool {
        a.count == b.count && a.columns.map(\.sum) == b.columns.map(\.sum) && a.columns.map(\.finite) == b.columns.map(\.finite)
            && a.columns.map(\.overall) == b.columns.map(\.overall)
    }

    @Test func heldOutEventsMoveNoTrainingRowNorStatistic() throws {
        let folder = try handMadeShop()
        let reference = try handMadeFeatures(folder), referenceStatistics = try statistics(folder)
        let events = read(folder + "/events.csv")
        // A test event's value (u1's dwell at 5000, only in s2's history), a validation event's
        // (u3's click, s4), and an event after a training sample's cutoff (u1 at 1061: after s1's,
        // inside test s2's history).
        let changes: [(String, String, String)] = [
            ("u1,5000,view,i3,2,web,102", "u1,5000,view,i3,9,web,102", "s2"),
            ("u3,7200,click,i4,1,ios,12", "u3,7200,click,i4,8,ios,12", "s4"),
            ("u1,1060,buy,i2,3,ios,007", "u1,1060,buy,i2,3,ios,007\nu1,1061,view,i1,40,tablet,999", "s2"),
        ]
        for (old, new, heldOut) in changes {
            #expect(events.contains(old))
            try events.replacingOccurrences(of: old, with: new).write(toFile: folder + "/events.csv", atomically: true, encoding: .utf8)
            let t = try handMadeFeatures(folder)
            #expect(trainingRows(t) == trainingRows(reference), "a training row moved after \(new)")
            #expect(sameCounts(try statistics(folder), referenceStatistics), "a population statistic moved after \(new)")
            let row = try #require(t.row(ofSample: heldOut))
            #expect(t.csv.rows[row] != reference.csv.rows[row], "the held-out sample \(heldOut) must see its own change")
        }
        try events.write(toFile: folder + "/events.csv", atomically: true, encoding: .utf8)

        // The contrast: the same value change on an event of a training history moves the statistics.
        try events.replacingOccurrences(of: "u1,1030,view,i1,7,", with: "u1,1030,view,i1,70,")
            .write(toFile: folder + "/events.csv", atomically: true, encoding: .utf8)
        #expect(!sameCounts(try statistics(folder), referenceStatistics))
    }

    @Test func unusualColumnNamesNameTheFeatures() throws {
        let folder = scratchDirectory()
        let files = [
            "events.csv": """
            user_id:token,timestamp:float,event_type:token,item_id:token,stars:float,app:token
            a,10,rate,g1,5,12
            a,20,rate,g2,1,007
            b,10,rate,g1,2,007
            b,30,rate,g2,2,12
            c,10,rate,g1,4,31
            """,
            "labels.csv": """
            sample_id:token,user_id:token,target_item_id:token,label:float,split:token
            x1,a,g1,1,train
            x2,b,g2,0,train
            x3,c,g3,0,test
            """,
            "users.csv": "user_id:token,tier:token\na,gold\nb,free\nc,free\n",
            "items.csv": "item_id:token,genre:token,weight:float\ng1,rpg,2\ng2,rpg,8\ng3,rpg,3\n",
        ]
        for (name, text) in files { try (text + "\n").write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let config = try FeatureExport.config(path: folder, overrides: ["data.split.strategy=column", "data.item_category_column=genre"])
        let t = try FeatureExport.table(config: config, reporter: { _ in })
        let names = Set(t.columns.map(\.name))
        for name in ["stars_mean", "stars_std", "stars_min", "stars_median", "stars_max", "stars_last", "stars_vs_item_mean",
                     "stars_vs_item_abs_mean", "stars_vs_item_abs_max", "distinct_app", "last_app", "distinct_categories",
                     "item_weight", "item_genre", "item_weight_z_in_category", "history_item_weight_mean", "user_tier",
                     "log_item_count_mean", "unseen_item_share", "count_rate", "target_item_id"] {
            #expect(names.contains(name), "no \(name) in \(names.sorted())")
        }
        #expect(!names.contains { $0.contains("price") || $0.contains("dwell") || $0.contains("category_id") })
        #expect(t.column("last_app")?.tokens == ["007", "12", "31"])  // ids stay tokens, leading zero kept
        #expect(t.column("last_app")?.spec.type == .token && t.column("distinct_app")?.spec.type == .float)
        // c's 4 on g1, not counted, against g1's training 5 and 2 and the pseudo-event at the mean (2.5).
        #expect(near(try number(t, "stars_vs_item_mean", "x3"), 4 - (5 + 2 + 2.5) / 3))
        // Weights of the training targets g1 (2) and g2 (8), log scale: g3's 3 at (log 3 − log 4) / log 2.
        #expect(near(try number(t, "item_weight_z_in_category", "x3"), (Foundation.log(3) - Foundation.log(4)) / Foundation.log(2)))
    }

    @Test func derivedNamesThatMeetStayDistinct() {
        // An events.csv float column `gap` summarises into `gap_mean`, as the time gaps do.
        let columns = [FeatureColumn("gap_mean", numbers: [1]), FeatureColumn("gap_mean", numbers: [2]),
                       FeatureColumn("gap_mean_2", numbers: [3]), FeatureColumn("gap_mean", numbers: [4])]
        #expect(FeatureExport.uniquelyNamed(columns).map(\.name) == ["gap_mean", "gap_mean_2", "gap_mean_2_2", "gap_mean_3"])
    }
}
