import ArgumentParser
import Foundation
import Lab
import Support

/// `--distributed`: whether `run` trains data-parallel over MPI ranks.
enum DistributedMode: String, ExpressibleByArgument, CaseIterable {
    case auto, mpi, none

    /// Runs `body` in this process's group: rank 0 prints and writes results; the other ranks
    /// train alongside it and write into a private folder removed at the end. A rank that fails
    /// prints its error and stops every rank (MPI_Abort), so none waits forever for it.
    func running(_ body: (ProcessGroup) throws -> Void) throws {
        let useMPI = self == .mpi || (self == .auto && ProcessGroup.launchedByMPI)
        let group = useMPI ? try ProcessGroup.joinMPI() : .single
        defer { group.finish() }
        do {
            try ProcessGroup.$active.withValue(group) { try body(group) }
        } catch where group.size == 1 || error is ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: rank \(group.rank) of \(group.size): \(error)\n".utf8))
            group.abort(code: 1)
        }
        if !group.isLeader { try? FileManager.default.removeItem(atPath: Self.privateDirectory(rank: group.rank)) }
    }

    static func privateDirectory(rank: Int) -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("fusionlab-rank-\(rank)-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// The config with `output.directory` moved to this rank's private folder: only rank 0's
    /// results are published.
    static func privateOutput(_ loaded: ConfigLoader.Loaded, rank: Int) -> ConfigLoader.Loaded {
        var loaded = loaded
        let directory = JSONValue.string(privateDirectory(rank: rank))
        loaded.merged = loaded.merged.setting(["output", "directory"], to: directory)
        loaded.resolved = loaded.resolved.setting(["output", "directory"], to: directory)
        return loaded
    }
}
