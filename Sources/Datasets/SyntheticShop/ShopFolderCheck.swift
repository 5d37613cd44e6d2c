import Foundation

extension SyntheticShop {
    /// The shop format this generator writes: bumped whenever the same preset and seed would
    /// write other data, so a folder written by an older generator is recognised as stale.
    /// 2: events.csv has `rating` and the shop the `rating_manipulation` type; 3: lemons among the
    /// listings, and shills target popular ones.
    public static let formatVersion = 3

    /// Whether `folder` holds a whole shop of this generator's: its meta.json, which is written
    /// after every table, names the generator. A folder being written holds no meta.json yet.
    public static func holdsFinishedShop(_ folder: String) -> Bool {
        struct Written: Decodable { var generator: String }
        guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("meta.json")),
              let written = try? JSONDecoder().decode(Written.self, from: data) else { return false }
        return written.generator == ShopSummary.generatorName
    }

    /// Why the shop in `folder` is not what this generator writes for `preset` and `seed` (an older
    /// format, or other options), or nil when it is, or when the folder holds no shop of ours
    /// (no meta.json from this generator: the user's own data is never called stale).
    public static func staleness(of folder: String, preset: ShopPreset, seed: UInt64) -> String? {
        struct Written: Decodable {
            var generator: String
            var formatVersion: Int?
        }
        struct Meta: Decodable { var options: ShopSummary.Options }
        let path = (folder as NSString).appendingPathComponent("meta.json")
        guard let data = FileManager.default.contents(atPath: path),
              let written = try? JSONDecoder().decode(Written.self, from: data), written.generator == ShopSummary.generatorName else { return nil }
        if written.formatVersion != formatVersion {
            return "written by shop format \(written.formatVersion.map(String.init) ?? "1"), this generator writes format \(formatVersion)"
        }
        guard let options = try? JSONDecoder().decode(Meta.self, from: data).options else {
            return "has a meta.json whose options this generator cannot read"
        }
        if options.preset != preset.rawValue || options.seed != seed {
            return "holds preset \(options.preset) seed \(options.seed), the config asks for preset \(preset.rawValue) seed \(seed)"
        }
        // The same preset and seed written with other options (`generate --scale 4`, another
        // anomaly rate or image size) is other data.
        let differences = options.differences(from: ShopSummary.Options(ShopConfig(preset: preset, seed: seed)))
        if !differences.isEmpty {
            return "holds preset \(options.preset) seed \(options.seed) with other options: \(differences.joined(separator: ", "))"
        }
        return nil
    }
}
