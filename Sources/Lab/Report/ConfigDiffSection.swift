import Foundation
import Support

/// What differs between the variants' configs (each variant's first run's config.json), as
/// a table of the differing keys; what all share is left out.
enum ConfigDiffSection {
    /// Keys that differ between any two runs by design, not by variant.
    static let ignored: Set<String> = ["seeds", "variants", "name", "description"]

    static func differences(_ configs: [(variant: String, config: JSONValue)]) -> (keys: [String], values: [[String]]) {
        guard let base = configs.first?.config else { return ([], []) }
        func stripped(_ c: JSONValue) -> JSONValue { ignored.reduce(c) { $0.removing($1) } }
        let strippedBase = stripped(base)
        var keys: [String] = [], baseValue: [String: String] = [:], perVariant: [[String: String]] = []
        for (_, config) in configs {
            var changed: [String: String] = [:]
            for d in strippedBase.differences(to: stripped(config)) {
                if !keys.contains(d.path) { keys.append(d.path) }
                baseValue[d.path] = d.old ?? "(absent)"
                changed[d.path] = d.new ?? "(absent)"
            }
            perVariant.append(changed)
        }
        let values = keys.map { key in perVariant.map { $0[key] ?? baseValue[key] ?? "" } }
        return (keys, values)
    }

    static func html(_ inputs: ReportInputs) -> String? {
        guard inputs.variants.count > 1 else { return nil }
        let configs = inputs.variants.compactMap { v in inputs.runs(v).first?.config.map { (variant: v, config: $0) } }
        guard configs.count > 1 else { return ReportPage.note("The runs hold no config.json to compare.") }
        let (keys, values) = differences(configs)
        guard !keys.isEmpty else { return ReportPage.note("All variants ran with the same config (apart from the seed).") }
        let shown = values.map { $0.map { $0.count > 60 ? String($0.prefix(57)) + "…" : $0 } }
        return ReportPage.note("Config keys whose value differs between variants (from each run's config.json); every other key is the same for all.")
            + ReportPage.table(["config key"] + configs.map(\.variant), zip(keys, shown).map { [$0] + $1 })
    }
}
