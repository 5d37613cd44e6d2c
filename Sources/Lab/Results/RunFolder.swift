import Foundation
import Support

/// Why a run folder cannot be written or continued.
public enum RunFolderError: Error, CustomStringConvertible {
    /// `--resume` with a config other than the one the saved run or state was made with.
    case configChanged(folder: String, differences: [JSONDifference])
    case cannotPublish(folder: String, reason: String)

    public var description: String {
        switch self {
        case let .configChanged(folder, differences):
            "cannot resume \(folder): it was made with another config. Differing keys (saved → now):\n"
                + differences.prefix(20).map { "  \($0)" }.joined(separator: "\n")
                + (differences.count > 20 ? "\n  … and \(differences.count - 20) more" : "")
                + "\nRun without --resume to start it over, or restore those values."
        case let .cannotPublish(folder, reason): "cannot publish the run folder \(folder): \(reason)"
        }
    }
}

/// The life of one run's folder. A run writes into a hidden staging folder beside its final
/// place (`runs/full/.seed-0.partial` for `runs/full/seed-0`) and is published — a completion
/// marker written, then one rename — only when every file is there. So a folder named like a run
/// is always complete; a failed or killed run leaves only the staging folder, with its log and
/// resume state, which `--resume` continues.
public struct RunFolder: Sendable {
    /// The completion marker: the list of the run's files, written last, before publishing.
    public static let marker = "complete.json"

    public let final: String
    public let staging: String

    public init(final: String) {
        self.final = final
        let parent = (final as NSString).deletingLastPathComponent, name = (final as NSString).lastPathComponent
        staging = (parent as NSString).appendingPathComponent(".\(name).partial")
    }

    /// Whether `directory` is a published, complete run folder.
    public static func isComplete(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(marker))
    }

    public var isComplete: Bool { Self.isComplete(final) }
    public var hasStaging: Bool { FileManager.default.fileExists(atPath: staging) }

    /// Makes the staging folder ready: kept (less stale temp files) when resuming, else made anew.
    /// A folder half-replaced by a publish that was killed is cleaned up here too.
    public func begin(resume: Bool) throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: replaced)
        if !resume || !hasStaging { try? fm.removeItem(atPath: staging) }
        try DurableFile.createDirectory(staging)
        DurableFile.removeStaleTemporaryFiles(in: staging)
    }

    /// Writes the completion marker into the staging folder and renames it into place, over
    /// any earlier run of the same name (moved aside first, then deleted).
    public func publish() throws {
        let fm = FileManager.default
        DurableFile.removeStaleTemporaryFiles(in: staging)
        let files = ((try? fm.contentsOfDirectory(atPath: staging)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let marker: JSONValue = ["format": 1, "files": .array(files.map { .string($0) })]
        try DurableFile.write(marker.rendered() + "\n", to: (staging as NSString).appendingPathComponent(Self.marker))
        if fm.fileExists(atPath: final) {
            guard rename(final, replaced) == 0 else { throw RunFolderError.cannotPublish(folder: final, reason: String(cString: strerror(errno))) }
        }
        guard rename(staging, final) == 0 else { throw RunFolderError.cannotPublish(folder: final, reason: String(cString: strerror(errno))) }
        try? fm.removeItem(atPath: replaced)
    }

    /// Where an earlier run of the same name waits while the new one is renamed into place.
    private var replaced: String {
        let parent = (final as NSString).deletingLastPathComponent, name = (final as NSString).lastPathComponent
        return (parent as NSString).appendingPathComponent(".\(name).replaced")
    }

    /// Refuses to resume when `saved` (the config the folder was made with) differs from `now`.
    public static func checkSameConfig(saved: JSONValue, now: JSONValue, folder: String) throws {
        let differences = saved.differences(to: now)
        if !differences.isEmpty { throw RunFolderError.configChanged(folder: folder, differences: differences) }
    }

    /// The config a run folder (staging or final) was made with, if it has one.
    public static func savedConfig(in directory: String) throws -> JSONValue? {
        try ResultFileError.readJSON((directory as NSString).appendingPathComponent("config.json"))
    }
}
