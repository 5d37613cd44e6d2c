import Foundation
import Testing
import Support
@testable import Lab

/// Per-run tables in summary.csv's format (a study's, or an outside baseline's) read back for tables.
@Suite struct SummaryTableTests {
    func write(_ text: String) -> String {
        let path = scratchDirectory() + "/trees.csv"
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aBaselineFileJoinsTheAggregateTable() throws {
        let path = write("variant,seed,fold,roc_auc,average_precision,recall_brushing\ntrees,0,,0.9,0.5,0.25\ntrees,1,,0.8,0.7,\n")
        let records = try RunRecord.readSummary(path: path)
        #expect(records.map(\.seed) == [0, 1] && records[0].fold == nil)
        #expect(records[1].test["recall_brushing"] == .some(nil))
        let table = ResultTables.aggregate(records, metrics: ["roc_auc", "average_precision"])
        #expect(table.rows.count == 1 && table.rows[0][0] == "trees" && table.rows[0][1] == "2")
        #expect(Swift.abs(Double(table.rows[0][2])! - 0.85) < 1e-12)
    }

    @Test func malformedRowsNameFileLineAndColumn() {
        func message(_ text: String) -> String {
            do { _ = try RunRecord.readSummary(path: write(text)); return "" } catch { return "\(error)" }
        }
        #expect(message("model,seed\n").contains("trees.csv:1: expected a header starting variant,seed,fold"))
        #expect(message("variant,seed,fold,roc_auc\ntrees,0,,0.9\ntrees,x,,0.8\n").contains("trees.csv:3:"))
        #expect(message("variant,seed,fold,roc_auc\ntrees,0,,high\n").contains("trees.csv:2: column roc_auc: \"high\" is not a number"))
    }

    @Test func attributionIsAveragedOverSeedsPerVariantTypeAndMethod() throws {
        func run(_ text: String) -> String {
            let d = scratchDirectory()
            try! text.write(toFile: d + "/attribution_by_type.csv", atomically: true, encoding: .utf8)
            return d
        }
        let header = "anomaly_type,samples,method,sequence,image,consistency\n"
        let a = run(header + "all,10,masking_logit_drop,1,2,4\ncounterfeit_listing,2,masking_logit_drop,0,6,\n")
        let b = run(header + "all,10,masking_logit_drop,3,2,0\ncounterfeit_listing,4,masking_logit_drop,-2,8,\n")
        let empty = scratchDirectory()
        let table = try #require(try ModalityAttribution.aggregate([("heads", a), ("heads", b), ("default", empty)], order: ["heads"]))
        #expect(table.header == ["variant", "anomaly_type", "method", "runs", "samples", "sequence", "image", "consistency"])
        #expect(table.rows == [["heads", "all", "masking_logit_drop", "2", "10", "2", "2", "2"],
                               ["heads", "counterfeit_listing", "masking_logit_drop", "2", "3", "-1", "7", ""]])
        let bad = run("type,samples\n")
        #expect(throws: ResultFileError(path: "\(bad)/attribution_by_type.csv", line: 1, "expected a header starting anomaly_type,samples,method")) {
            try ModalityAttribution.aggregate([("x", bad)], order: [])
        }
    }
}
