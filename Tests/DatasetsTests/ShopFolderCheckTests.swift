import Foundation
import Testing
@testable import Datasets

/// A shop folder written by an older generator (or for other options) is recognised, so runs
/// regenerate it instead of reporting results the code no longer produces; a folder that is not
/// ours is never called stale.
@Suite struct ShopFolderCheckTests {
    /// FNV-1a over bytes: a fingerprint that needs no library.
    static func fingerprint(_ parts: [Data]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts { for byte in part { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 } }
        return h
    }

    /// The tiny shop's tables for each shop format. When this fails the generator writes other
    /// data for the same options: bump `SyntheticShop.formatVersion` (so stale folders are
    /// regenerated) and record the new fingerprint under the new version.
    static let tableFingerprints: [Int: UInt64] = [3: 12_867_030_686_604_529_185]

    @Test func theShopFormatVersionChangesWhenTheShopDoes() throws {
        try withShopFolder { folder in
            try SyntheticShop(config: tinyShopConfig()).write(to: folder)
            let files = try shopFiles(folder)
            let value = Self.fingerprint(["events.csv", "users.csv", "items.csv", "labels.csv"].map { files[$0]! })
            #expect(Self.tableFingerprints[SyntheticShop.formatVersion] == value,
                    "the tiny shop's tables have fingerprint \(value): bump SyntheticShop.formatVersion and record it")
        }
    }

    /// The same preset and seed with other options (as `generate --scale` or `--anomaly-rate`
    /// write) is other data, and the message names what differs.
    @Test func aShopWrittenWithOtherOptionsIsStale() throws {
        try withShopFolder { folder in
            var config = tinyShopConfig(users: 90)
            config.anomalyRate = 0.2
            try SyntheticShop(config: config).write(to: folder)
            let stale = SyntheticShop.state(of: folder, preset: .tiny, seed: 0).staleReason
            let wanted = ShopConfig(preset: .tiny, seed: 0)
            #expect(stale?.contains("users 90 (the config's: \(wanted.userCount))") == true, "\(stale ?? "nil")")
            #expect(stale?.contains("anomaly rate 0.2 (the config's: \(wanted.anomalyRate))") == true, "\(stale ?? "nil")")
            #expect(stale?.contains("image size") == false)
        }
    }

    @Test func staleFoldersAreNamedAndOtherFoldersAreNot() throws {
        try withShopFolder { folder in
            try SyntheticShop(config: tinyShopConfig()).write(to: folder)
            #expect(SyntheticShop.state(of: folder, preset: .tiny, seed: 0) == .current)
            #expect(SyntheticShop.state(of: folder, preset: .tiny, seed: 1).staleReason?.contains("seed 0") == true)
            #expect(SyntheticShop.state(of: folder, preset: .small, seed: 0).staleReason?.contains("preset tiny") == true)

            let meta = (folder as NSString).appendingPathComponent("meta.json")
            let text = try String(contentsOfFile: meta, encoding: .utf8)
            try text.replacingOccurrences(of: "\"formatVersion\" : \(SyntheticShop.formatVersion)", with: "\"formatVersion\" : 2")
                .write(toFile: meta, atomically: true, encoding: .utf8)
            #expect(SyntheticShop.state(of: folder, preset: .tiny, seed: 0).staleReason?.contains("format 2") == true)

            // Not ours: another generator's meta.json, or none at all.
            try text.replacingOccurrences(of: ShopSummary.generatorName, with: "someone else's shop")
                .write(toFile: meta, atomically: true, encoding: .utf8)
            #expect(SyntheticShop.state(of: folder, preset: .tiny, seed: 1) == .notOurs)
            try FileManager.default.removeItem(atPath: meta)
            #expect(SyntheticShop.state(of: folder, preset: .tiny, seed: 1) == .notOurs)
        }
    }
}

extension SyntheticShop.FolderState {
    /// Why the shop is stale; nil when it is current or not ours.
    var staleReason: String? { if case .stale(let reason) = self { reason } else { nil } }
}
