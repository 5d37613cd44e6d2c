import Lab

/// What a finished study prints: the aggregate table and where the files are.
enum StudyReport {
    static func print(_ outcome: Study.Outcome) {
        Swift.print("")
        Swift.print(ResultTables.readable(outcome.table).markdown)
        Swift.print("table: \(outcome.tablePath)")
        Swift.print("per-run summary: \(outcome.summaryPath)")
        if let m = outcome.maskedTablePath { Swift.print("masked-modality table: \(m)") }
        if let ablation = outcome.selectedAblation {
            Swift.print("\nModality ablation of \(ablation.variant), the variant selected for most seeds:")
            print(ablation.outcome)
        }
    }
}
