import Foundation
import Testing
@testable import Datasets
@testable import Lab
import Support

/// `data.generate` writes the shop when the folder is absent and writes it again when the folder
/// holds a shop of ours for other options or an older format — never over data that is not ours.
@Suite struct DatasetGenerationTests {
    func withFolder(_ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fl-gen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try body(folder)
    }

    @Test func aStaleShopIsWrittenAgainAndUserDataIsLeftAlone() throws {
        try withFolder { folder in
            var log: [String] = []
            try DatasetGeneration.generateIfNeeded(preset: "tiny", seed: 1, into: folder) { log.append($0) }
            #expect(log.first?.contains("not found") == true)
            let seed1 = try Data(contentsOf: URL(fileURLWithPath: folder + "/labels.csv"))

            log = []
            try DatasetGeneration.generateIfNeeded(preset: "tiny", seed: 1, into: folder) { log.append($0) }
            #expect(log.isEmpty, "an up-to-date shop is used as it is: \(log)")

            try DatasetGeneration.generateIfNeeded(preset: "tiny", seed: 0, into: folder) { log.append($0) }
            #expect(log.first?.contains("generating it again") == true)
            #expect(SyntheticShop.state(of: folder, preset: .tiny, seed: 0) == .current)
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/labels.csv")) != seed1)

            // Without our meta.json the folder is the user's: nothing is written.
            try FileManager.default.removeItem(atPath: folder + "/meta.json")
            let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/labels.csv"))
            log = []
            try DatasetGeneration.generateIfNeeded(preset: "tiny", seed: 1, into: folder) { log.append($0) }
            #expect(log.isEmpty)
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/labels.csv")) == before)
        }
    }

    /// A shard that finds the folder while another process is still writing it (the folder made,
    /// no meta.json yet, the generating lock held) waits for that lock and returns only once the
    /// shop is whole. The other process is `flock` holding the lock while this test writes the
    /// shop, as the other shard would.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux's flock"))
    func aShopBeingWrittenIsWaitedFor() throws {
        try withFolder { folder in
            let parent = (folder as NSString).deletingLastPathComponent, name = (folder as NSString).lastPathComponent
            let ready = folder + ".ready"
            defer { try? FileManager.default.removeItem(atPath: ready) }
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            holder.arguments = ["-x", parent + "/.\(name).generating.lock", "sh", "-c", "touch '\(ready)'; sleep 1"]
            try holder.run()
            while !FileManager.default.fileExists(atPath: ready) { Thread.sleep(forTimeInterval: 0.01) }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data("user_id:token\n".utf8).write(to: URL(fileURLWithPath: folder + "/events.csv"))
            let writer = Thread {
                Thread.sleep(forTimeInterval: 0.3)
                try? FileManager.default.removeItem(atPath: folder)
                _ = try? SyntheticShop(config: ShopConfig(preset: .tiny, seed: 1)).write(to: folder)
            }
            writer.start()
            var log: [String] = []
            try DatasetGeneration.generateIfNeeded(preset: "tiny", seed: 1, into: folder) { log.append($0) }
            #expect(SyntheticShop.state(of: folder, preset: .tiny, seed: 1) == .current, "returned before the other writer finished")
            holder.waitUntilExit()
            #expect(log.isEmpty, "the shop the other writer made is used as it is: \(log)")
        }
    }
}
