import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Another process holds the lock, or the lock file cannot be made.
public struct DirectoryLockError: Error, CustomStringConvertible, Equatable {
    public var directory: String
    public var reason: String
    public var description: String { "\(directory): \(reason)" }
    /// Refused because another holder has the lock (not because the file cannot be made).
    var isHeldElsewhere = false
}

/// An advisory lock on a folder (`flock` on `<folder>/.lock`, or another file in it), so that two
/// processes never write the same experiment at once. The lock file says who holds it (pid, host,
/// start time, command); the kernel drops the lock when its holder exits, even on `kill -9`, so a
/// stale file never blocks anyone. Within one process the lock is counted: a study that holds it
/// can run its runs, which take it again. A lock is exclusive, or shared (many holders, no
/// exclusive one: the shards of one study share their experiment folder's lock); by default a
/// taken lock is refused at once, or waited for up to `waiting`.
public final class DirectoryLock: @unchecked Sendable {
    public let directory: String
    private let key: String
    private var released = false

    public enum Mode: Sendable { case exclusive, shared }

    private struct Held { var descriptor: Int32; var count: Int; var mode: Mode }
    private static let held = Mutex<[String: Held]>([:])

    private init(directory: String, key: String) { self.directory = directory; self.key = key }

    /// The advice a refusal gives by default.
    public static let defaultHint = "wait for it to finish, or give this run another name or output.directory"

    /// Takes the lock on `directory` (created if missing) through its file `file`, or throws
    /// naming its holder and giving `hint` — at once, or after `waiting` if given.
    public static func acquire(_ directory: String, file: String = ".lock", mode: Mode = .exclusive, waiting: Duration? = nil,
                               hint: String = defaultHint) throws(DirectoryLockError) -> DirectoryLock {
        let deadline = waiting.map { ContinuousClock.now + $0 }
        while true {
            do { return try attempt(directory, file: file, mode: mode, hint: hint) } catch {
                guard let deadline, error.isHeldElsewhere, ContinuousClock.now < deadline else { throw error }
                usleep(50_000)
            }
        }
    }

    private static func attempt(_ directory: String, file: String, mode: Mode, hint: String) throws(DirectoryLockError) -> DirectoryLock {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw DirectoryLockError(directory: directory, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let lockPath = (directory as NSString).appendingPathComponent(file)
        let key = ((ConfinedRoot.realPath(directory) ?? directory) as NSString).appendingPathComponent(file)
        let outcome: Result<Void, DirectoryLockError> = held.withLock { held in
            if var entry = held[key] {
                // Held here already: exclusive covers both; shared cannot become exclusive.
                guard entry.mode == .exclusive || mode == .shared else {
                    return .failure(DirectoryLockError(directory: directory, reason: "this process holds \(lockPath) shared and cannot take it exclusively"))
                }
                entry.count += 1
                held[key] = entry
                return .success(())
            }
            let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                return .failure(DirectoryLockError(directory: directory, reason: "cannot open \(lockPath): \(String(cString: strerror(errno)))"))
            }
            guard flock(descriptor, (mode == .exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
                // The holder writes who it is right after locking: give it a moment to do so.
                var holder: String?
                for attempt in 0..<10 {
                    holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                    if holder?.isEmpty == false || attempt == 9 { break }
                    usleep(20_000)
                }
                close(descriptor)
                return .failure(DirectoryLockError(
                    directory: directory,
                    reason: "another fusionlab process is writing \(file == ".lock" ? "this folder" : "here (\(file))") "
                        + "(\(holder.flatMap { $0.isEmpty ? nil : $0 } ?? "holder unknown")); \(hint)",
                    isHeldElsewhere: true))
            }
            let host = ProcessInfo.processInfo.hostName
            let started = ISO8601DateFormatter().string(from: Date())
            let command = CommandLine.arguments.joined(separator: " ")
            let text = "pid \(getpid()) on \(host), since \(started): \(command)\n"
            // Shared holders leave the first holder's line (rewriting it under another's feet
            // could leave it torn); an exclusive holder is alone and says who it is.
            if mode == .exclusive { _ = ftruncate(descriptor, 0) }
            if mode == .exclusive || lseek(descriptor, 0, SEEK_END) == 0 {
                _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
            }
            held[key] = Held(descriptor: descriptor, count: 1, mode: mode)
            return .success(())
        }
        try outcome.get()
        return DirectoryLock(directory: directory, key: key)
    }

    /// Gives the lock back (the last holder in the process unlocks the file).
    public func release() {
        guard !released else { return }
        released = true
        Self.held.withLock { held in
            guard var entry = held[key] else { return }
            entry.count -= 1
            if entry.count == 0 {
                // An exclusive holder leaves the file empty, for the shared holders after it to sign.
                if entry.mode == .exclusive { _ = ftruncate(entry.descriptor, 0) }
                _ = flock(entry.descriptor, LOCK_UN)
                close(entry.descriptor)
                held[key] = nil
            } else {
                held[key] = entry
            }
        }
    }

    deinit { release() }
}
