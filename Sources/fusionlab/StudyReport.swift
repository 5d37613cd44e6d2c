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
        // The study's results stand without these: a failure to write them is a warning.
        let directory = (outcome.tablePath as NSString).deletingLastPathComponent
        do { try StudyProvenance.write(directory: directory) } catch {
            FileHandle.standardError.write(Data("warning: no \(StudyProvenance.fileName): \(error)\n".utf8))
        }
        do { Swift.print("report: \(try HTMLReport.write(directory).path)") } catch {
            FileHandle.standardError.write(Data("warning: no report.html: \(error)\n".utf8))
        }
        if let ablation = outcome.selectedAblation {
            Swift.print("\nModality ablation of \(ablation.variant), the variant selected for most seeds:")
            print(ablation.outcome)
        }
    }
}
