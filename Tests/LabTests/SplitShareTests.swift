import Foundation
import Testing
@testable import Lab
import Support

/// `data.split` shares are used as given: a share out of range or shares not summing to 1 are
/// config errors naming the keys, never silently rescaled.
@Suite struct SplitShareTests {
    @Test func splitSharesAreCheckedNotRescaled() throws {
        let path = scratchDirectory() + "/e.json"
        try #"{"data": {"split": {"train": 0.8}}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError(path: "data.split", message: "data.split.train (0.8) + data.split.valid (0.15) + data.split.test (0.15) = 1.1, but the shares must sum to 1", file: path)) {
            try ConfigLoader.load(path: path, schema: ExperimentSchema.root)
        }
        #expect(throws: ConfigError(path: "data.split.train", message: "5 is above the maximum 1", file: path)) {
            try ConfigLoader.load(path: path, overrides: ["data.split.train=5.0"], schema: ExperimentSchema.root)
        }
        let shares = try ConfigLoader.load(path: path, overrides: ["data.split.valid=0.1", "data.split.test=0.1"], schema: ExperimentSchema.root)
        #expect(shares.at("data.split.train") == .number(0.8))
    }
}
