import Foundation

extension SyntheticShop {
    /// The shop format this generator writes: bumped whenever the same preset and seed would
    /// write other data, so a folder written by an older generator is recognised as stale.
    /// 2: events.csv has `rating` and the shop the `rating_manipulation` type; 3: lemons among the
    /// listings, and shills target popular ones.
    public static let formatVersion = 3

    /// Why the shop in `folder` is not what this generator writes for `preset` and `seed` (an older
    /// format, or other options), or nil when it is, or when the folder holds no shop of ours
    /// (no meta.json from this generator: the user's own data is never called stale).
    public static func staleness(of folder: String, preset: ShopPreset, seed: UInt64) -> String? {
        struct Meta: Decodable {
            struct Options: Decodable { var preset: String; var seed: UInt64 }
            var generator: String
            var formatVersion: Int?
            var options: Options
        }
        let path = (folder as NSString).appendingPathComponent("meta.json")
        guard let data = FileManager.default.contents(atPath: path),
              let meta = try? JSONDecoder().decode(Meta.self, from: data), meta.generator == ShopSummary.generatorName else { return nil }
        if meta.formatVersion != formatVersion {
            return "written by shop format \(meta.formatVersion.map(String.init) ?? "1"), this generator writes format \(formatVersion)"
        }
        if meta.options.preset != preset.rawValue || meta.options.seed != seed {
            return "holds preset \(meta.options.preset) seed \(meta.options.seed), the config asks for preset \(preset.rawValue) seed \(seed)"
        }
        return nil
    }
}
