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
}

/// An advisory lock on a folder (`flock` on `<folder>/.lock`), so that two processes never
/// write the same experiment at once. The lock file says who holds it (pid, host, start time,
/// command); the kernel drops the lock when its holder exits, even on `kill -9`, so a stale file
/// never blocks anyone. Within one process the lock is counted: a study that holds it can run
/// its runs, which take it again.
public final class DirectoryLock: @unchecked Sendable {
    public let directory: String
    private let key: String
    private var released = false

    private struct Held { var descriptor: Int32; var count: Int }
    private static let held = Mutex<[String: Held]>([:])

    private init(directory: String, key: String) { self.directory = directory; self.key = key }

    /// Takes the lock on `directory` (created if missing), or throws at once naming its holder.
    public static func acquire(_ directory: String) throws(DirectoryLockError) -> DirectoryLock {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw DirectoryLockError(directory: directory, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let lockPath = (directory as NSString).appendingPathComponent(".lock")
        let key = ConfinedRoot.realPath(directory) ?? directory
        let outcome: Result<Void, DirectoryLockError> = held.withLock { held in
            if var entry = held[key] {
                entry.count += 1
                held[key] = entry
                return .success(())
            }
            let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                return .failure(DirectoryLockError(directory: directory, reason: "cannot open \(lockPath): \(String(cString: strerror(errno)))"))
            }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
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
                    reason: "another fusionlab process is writing this folder (\(holder.flatMap { $0.isEmpty ? nil : $0 } ?? "holder unknown")); "
                        + "wait for it to finish, or give this run another name or output.directory"))
            }
            let host = ProcessInfo.processInfo.hostName
            let started = ISO8601DateFormatter().string(from: Date())
            let command = CommandLine.arguments.joined(separator: " ")
            let text = "pid \(getpid()) on \(host), since \(started): \(command)\n"
            _ = ftruncate(descriptor, 0)
            _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
            held[key] = Held(descriptor: descriptor, count: 1)
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
