import Foundation

extension SyntheticShop {
    /// The shop format this generator writes: bumped whenever the same preset and seed would
    /// write other data, so a folder written by an older generator is recognised as stale.
    /// 2: events.csv has `rating` and the shop the `rating_manipulation` type; 3: lemons among the
    /// listings, and shills target popular ones.
    public static let formatVersion = 3

    /// What a dataset folder holds, as far as this generator is concerned.
    public enum FolderState: Equatable, Sendable {
        /// No shop of ours: no folder, the user's own data, or a shop still being written (its
        /// meta.json, naming the generator, is written after every table).
        case notOurs
        /// A finished shop of ours, what this generator writes for the preset and seed.
        case current
        /// A finished shop of ours that it would not write now, and why (an older format, other options).
        case stale(String)
    }

    /// What `folder` holds for `preset` and `seed` (the user's own data is never called stale).
    public static func state(of folder: String, preset: ShopPreset, seed: UInt64) -> FolderState {
        struct Written: Decodable {
            var generator: String
            var formatVersion: Int?
        }
        struct Meta: Decodable { var options: ShopSummary.Options }
        let path = (folder as NSString).appendingPathComponent("meta.json")
        guard let data = FileManager.default.contents(atPath: path),
              let written = try? JSONDecoder().decode(Written.self, from: data), written.generator == ShopSummary.generatorName else { return .notOurs }
        if written.formatVersion != formatVersion {
            return .stale("written by shop format \(written.formatVersion.map(String.init) ?? "1"), this generator writes format \(formatVersion)")
        }
        guard let options = try? JSONDecoder().decode(Meta.self, from: data).options else {
            return .stale("has a meta.json whose options this generator cannot read")
        }
        if options.preset != preset.rawValue || options.seed != seed {
            return .stale("holds preset \(options.preset) seed \(options.seed), the config asks for preset \(preset.rawValue) seed \(seed)")
        }
        // The same preset and seed written with other options (`generate --scale 4`, another
        // anomaly rate or image size) is other data.
        let differences = options.differences(from: ShopSummary.Options(ShopConfig(preset: preset, seed: seed)))
        if !differences.isEmpty {
            return .stale("holds preset \(options.preset) seed \(options.seed) with other options: \(differences.joined(separator: ", "))")
        }
        return .current
    }
}
