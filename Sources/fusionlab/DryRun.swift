import Lab

/// Parameter counts per module for `run --dry-run` and `validate`.
enum DryRun {
    static func describe(_ runner: ExperimentRunner) throws {
        for line in try ModelSummary.lines(for: runner) { print(line) }
    }
}
