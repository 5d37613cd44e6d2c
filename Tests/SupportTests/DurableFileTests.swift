import Foundation
import Testing
import Support

/// DurableFile: readers see the old content or the whole new one; a failed write leaves the
/// existing file as it was and no temporary file behind.
@Suite struct AtomicFileTests {
    func scratch() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fl-atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func contents(_ path: String) -> String? { FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } }

    struct Interrupted: Error {}

    @Test func aWriteReplacesTheWholeFile() throws {
        let dir = try scratch(), path = dir + "/metrics.json"
        try DurableFile.write("old content that is longer than the new one\n", to: path)
        try DurableFile.write("new\n", to: path)
        #expect(contents(path) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["metrics.json"])
    }

    @Test func anExistingFileSurvivesAWriteThatFailsHalfway() throws {
        let dir = try scratch(), path = dir + "/metrics.json"
        try DurableFile.write("{\"roc_auc\": 0.9}\n", to: path)
        // The writer has written part of the new content when it fails (as a run does when it is
        // interrupted between two writes of a streamed file).
        do {
            try DurableFile.write(to: path) { handle in
                try handle.write(contentsOf: Array("{\"roc_auc\": 0.".utf8))
                throw Interrupted()
            }
            Issue.record("the failing write did not throw")
        } catch {
            #expect(error.path == path && error.reason.contains("Interrupted"), "\(error)")
        }
        #expect(contents(path) == "{\"roc_auc\": 0.9}\n")
        // Its temporary file is gone too.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["metrics.json"])
    }

    @Test func aKilledWritersTemporaryFileLeavesTheTargetIntact() throws {
        // A process killed mid-write leaves only its temporary file (`.<name>.<uuid>.tmp`) beside
        // the untouched target; the next write replaces the target as usual.
        let dir = try scratch(), path = dir + "/history.csv"
        try DurableFile.write("epoch\n1\n", to: path)
        let leftover = dir + "/.history.csv.\(UUID().uuidString).tmp"
        try "epoch\n1\n2\n3 (cut off".write(toFile: leftover, atomically: false, encoding: .utf8)
        #expect(contents(path) == "epoch\n1\n")
        try DurableFile.write("epoch\n1\n2\n", to: path)
        #expect(contents(path) == "epoch\n1\n2\n")
    }

    @Test func aWriteThatCannotRenameKeepsWhatIsThere() throws {
        // The target is a non-empty directory: rename(2) refuses, and the directory stays as it was.
        let dir = try scratch(), path = dir + "/model.safetensors"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "keep".write(toFile: path + "/inside", atomically: false, encoding: .utf8)
        #expect(throws: DurableFile.WriteError.self) { try DurableFile.write("new", to: path) }
        #expect(contents(path + "/inside") == "keep")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["model.safetensors"])
    }

    @Test func aMissingDirectoryIsAnErrorNamingIt() throws {
        let dir = try scratch(), path = dir + "/absent/metrics.json"
        do {
            try DurableFile.write("x", to: path)
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.description == "cannot write \(path): cannot create a file in \(dir)/absent (does the directory exist and is it writable?)")
        }
    }
}
