import Foundation
import Testing
@testable import Datasets
@testable import Lab

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
            #expect(SyntheticShop.staleness(of: folder, preset: .tiny, seed: 0) == nil)
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
}
