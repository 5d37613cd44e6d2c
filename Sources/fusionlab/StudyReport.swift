import Foundation
import Lab

/// What a finished study prints: the aggregate table and where the files are.
enum StudyReport {
    static func print(_ outcome: Study.Outcome) {
        Swift.print("")
        Swift.print(ResultTables.readable(outcome.table).markdown)
        Swift.print("table: \(outcome.tablePath)")
        Swift.print("per-run summary: \(outcome.summaryPath)")
        if let m = outcome.maskedTablePath { Swift.print("masked-modality table: \(m)") }
        // The study's results stand without the report: a failure to draw it is a warning.
        do { Swift.print("report: \(try HTMLReport.write((outcome.tablePath as NSString).deletingLastPathComponent).path)") } catch {
            FileHandle.standardError.write(Data("warning: no report.html: \(error)\n".utf8))
        }
    }
}
