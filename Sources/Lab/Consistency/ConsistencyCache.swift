import Support
import Models

/// Cross-fitted surprises shared by the runs of one study: variants that differ only in the
/// classifier (fusion, sequence encoder of the main model, …) reuse the same consistency fit
/// for a seed instead of fitting it again. The key is everything the fit depends on.
public final class ConsistencyCache {
    private var fits: [String: ConsistencyFit] = [:]
    public private(set) var hits = 0

    public init() {}

    static func key(data: JSONValue, model: JSONValue, specs: [ConsistencyHeadSpec], seed: Int, fold: Int?) -> String {
        let encoders = Set(specs.flatMap(\.sourceModalities)).sorted().map { m in model["encoders"]?[m.rawValue]?.rendered() ?? "" }
        // Only the options the fit reads: the classifier's own (evidence, joint weight) may differ.
        let consistency = model["consistency"]!
        let section = JSONValue.object(["heads", "folds", "epochs", "batch_size", "lr", "hidden", "dropout"].map { ($0, consistency[$0] ?? .null) })
        return [data.rendered(), model.at("dimension")?.rendered() ?? "", section.rendered(), encoders.joined(separator: "|"),
                specs.map(\.name).joined(separator: ","), "\(seed)", "\(fold ?? -1)"].joined(separator: "\n")
    }

    func fit(_ key: String, make: () throws -> ConsistencyFit) rethrows -> ConsistencyFit {
        if let hit = fits[key] { hits += 1; return hit }
        let fit = try make()
        fits[key] = fit
        return fit
    }
}
