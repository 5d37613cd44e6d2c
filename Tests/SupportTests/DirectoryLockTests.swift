import Foundation
import Testing
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Shared and exclusive folder locks as shards and whole-study runs take them; another process
/// is played by a second open file description of the lock file.
@Suite(.serialized) struct DirectoryLockTests {
    func scratch() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fl-lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// The lock file held by "another process" with `operation` until the result is closed.
    func heldElsewhere(_ path: String, _ operation: Int32) -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        #expect(flock(descriptor, operation | LOCK_NB) == 0)
        return descriptor
    }

    @Test func sharedHoldersWorkSideBySideButNotBesideAnExclusiveOne() throws {
        let dir = try scratch()
        let other = heldElsewhere(dir + "/.lock", LOCK_SH)
        let shard = try DirectoryLock.acquire(dir, mode: .shared)
        close(other)
        shard.release()

        // A whole-study holder elsewhere: a shard is refused at once, naming the rule.
        let whole = heldElsewhere(dir + "/.lock", LOCK_EX)
        do {
            _ = try DirectoryLock.acquire(dir, mode: .shared, hint: "a shard cannot work beside a whole-study run")
            Issue.record("expected the shared lock to be refused")
        } catch {
            #expect(error.description.hasSuffix("a shard cannot work beside a whole-study run"), "\(error)")
        }
        close(whole)
        // An exclusive request is refused beside shared holders elsewhere.
        let shardElsewhere = heldElsewhere(dir + "/.lock", LOCK_SH)
        #expect(throws: DirectoryLockError.self) { try DirectoryLock.acquire(dir) }
        close(shardElsewhere)
        // Within one process: exclusive covers shared; shared cannot become exclusive.
        let a = try DirectoryLock.acquire(dir), b = try DirectoryLock.acquire(dir, mode: .shared)
        b.release(); a.release()
        let c = try DirectoryLock.acquire(dir, mode: .shared)
        #expect(throws: DirectoryLockError.self) { try DirectoryLock.acquire(dir) }
        c.release()
    }

    @Test func aWaitingLockIsTakenOnceTheHolderLetsGo() throws {
        let dir = try scratch()
        let other = heldElsewhere(dir + "/.tables.lock", LOCK_EX)
        #expect(throws: DirectoryLockError.self) { try DirectoryLock.acquire(dir, file: ".tables.lock") }
        #expect(throws: DirectoryLockError.self) { try DirectoryLock.acquire(dir, file: ".tables.lock", waiting: .milliseconds(200)) }
        let release = Thread { usleep(300_000); close(other) }
        release.start()
        let began = ContinuousClock.now
        let lock = try DirectoryLock.acquire(dir, file: ".tables.lock", waiting: .seconds(10))
        #expect(ContinuousClock.now - began >= .milliseconds(200))
        lock.release()
    }
}
