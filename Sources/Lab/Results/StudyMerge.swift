import Foundation
import Support

/// A study folder read against its plan: which runs are complete, unfinished or not started,
/// and the study's tables from whatever is complete — the same bytes a single process writes
/// once every run is there, whichever processes ran them.
public struct StudyMerge {
    public let plan: StudyPlan

    public init(plan: StudyPlan) { self.plan = plan }

    public enum State: String, Sendable {
        /// Published with its completion marker.
        case complete
        /// Only a staging folder: failed, killed, or still running.
        case unfinished
        /// Not started.
        case missing
    }

    public func state(_ run: PlannedRun) -> State {
        let folder = RunFolder(final: plan.folder(run))
        if folder.isComplete { return .complete }
        return folder.hasStaging || RunFolder.isComplete(folder.staging) ? .unfinished : .missing
    }

    /// Each planned run with its state, in plan order.
    public var states: [(run: PlannedRun, state: State)] { plan.runs.map { ($0, state($0)) } }

    public var isComplete: Bool { plan.runs.allSatisfy { state($0) == .complete } }

    /// The complete runs read back from their folders, in plan order.
    public func results() throws -> [RunResult] {
        try plan.runs.filter { state($0) == .complete }.map {
            try RunResult.load(directory: plan.folder($0), variant: $0.row, seed: $0.seed, fold: $0.fold)
        }
    }

    /// The complete runs' records (with `selected` under `select`) and the table's rows, for printing.
    public func records() throws -> (records: [RunRecord], order: [String]) {
        let (records, order, _) = try plan.tables.records(try results())
        return (records, order)
    }

    /// What is not complete, a line per run, headed by the count; nil when every run is complete.
    public func missingReport() -> String? {
        let open = states.filter { $0.state != .complete }
        guard !open.isEmpty else { return nil }
        let lines = open.map { run, state in
            "  \(run.id): " + (state == .unfinished ? "unfinished (\(RunFolder(final: plan.folder(run)).staging): failed, killed or still running)" : "not run")
        }
        return (["\(open.count) of \(plan.runs.count) runs of \(plan.directory) are not complete:"] + lines).joined(separator: "\n")
    }

    /// Records the plan (`plan.json`) and, when every run is complete (or with `partial`,
    /// whatever is), writes the study's tables. Safe beside shards still running: it holds the
    /// study folder's lock shared and the tables' lock (`.tables.lock`) while it reads the run
    /// folders and writes, so the last writer has seen every run published before it; each
    /// file is replaced atomically. Returns nil when the tables were left unwritten.
    public func write(partial: Bool = false, reporter: (String) -> Void) throws -> Study.Outcome? {
        let directory = plan.directory
        let study = try DirectoryLock.acquire(directory, mode: .shared,
                                              hint: "a whole-study run is writing it and will write its tables; wait for it to finish")
        defer { study.release() }
        let tables = try DirectoryLock.acquire(directory, file: ".tables.lock", waiting: .seconds(300),
                                               hint: "another process has been writing the tables for 5 minutes; is it stuck?")
        defer { tables.release() }
        // Every writer here holds the tables' lock: a temporary file now is a killed writer's.
        DurableFile.removeStaleTemporaryFiles(in: directory)
        try plan.write()
        guard partial || isComplete else { return nil }
        return try plan.tables.write(try results(), reporter: reporter)
    }
}
