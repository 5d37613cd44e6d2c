import Foundation
import Testing
@testable import Lab

/// The "±" of every table: the sample standard deviation (n − 1) over seeds and folds, against
/// values worked out by hand.
@Suite struct StandardDeviationTests {
    @Test func meanAndSampleStandardDeviationKnownValues() throws {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32 → n − 1: √(32/7); (n: 2).
        let (mean, std) = ResultTables.meanAndStd([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(mean == 5)
        #expect(Swift.abs(try #require(std) - (32.0 / 7).squareRoot()) < 1e-14, "std \(String(describing: std)); n − 1 gives 2.1380899…, n gives 2")
        // Two values a, b: |a − b| / √2.
        let (m2, s2) = ResultTables.meanAndStd([0.25, 0.75])
        let spread = try #require(s2)
        #expect(m2 == 0.5 && Swift.abs(spread - 0.5 / 2.0.squareRoot()) < 1e-14)
        // One value: a mean without a spread; none: nothing.
        let (m1, s1) = ResultTables.meanAndStd([0.7])
        #expect(m1 == 0.7 && s1 == nil)
        let (m0, s0) = ResultTables.meanAndStd([])
        #expect(m0 == nil && s0 == nil)
    }

    @Test func theAggregateTableAndItsReadableFormShowTheSampleStandardDeviation() throws {
        func record(_ variant: String, _ seed: Int, _ auc: Double?) -> RunRecord {
            RunRecord(directory: "/nowhere", variant: variant, seed: seed, fold: nil, test: ["roc_auc": auc])
        }
        let records = [record("a", 0, 0.6), record("a", 1, 0.7), record("a", 2, 0.8), record("b", 0, 0.9), record("b", 1, nil)]
        let table = ResultTables.aggregate(records, metrics: ["roc_auc"], order: ["a", "b"])
        #expect(table.header == ["variant", "runs", "roc_auc_mean", "roc_auc_std"])
        // a: 0.6, 0.7, 0.8 → mean 0.7, std √((0.01 + 0 + 0.01) / 2) = 0.1; b: its undefined run left out.
        #expect(table.rows[0][0] == "a" && table.rows[0][1] == "3")
        #expect(Swift.abs(try #require(Double(table.rows[0][2])) - 0.7) < 1e-14)
        #expect(Swift.abs(try #require(Double(table.rows[0][3])) - 0.1) < 1e-14, "std cell \(table.rows[0][3])")
        #expect(table.rows[1] == ["b", "2", "0.9", ""])
        let readable = ResultTables.readable(table)
        #expect(readable.rows == [["a", "3", "0.700 ± 0.100"], ["b", "2", "0.900"]])
    }
}
