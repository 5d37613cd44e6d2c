import Support
import Models

/// Cross-fitted surprises shared by the runs of one study: variants that differ only in the
/// classifier (fusion, sequence encoder of the main model, …) reuse the same consistency fit
/// for a seed instead of fitting it again. The key is everything the fit depends on.
public final class ConsistencyCache {
    private var fits: [Key: ConsistencyFit] = [:]
    public private(set) var hits = 0

    public init() {}

    /// Everything a fit depends on: the data section, the model width and the encoders of the
    /// heads' sources (still JSON, rendered), the typed fit options — the fitter reads nothing
    /// else of `model.consistency`, so a new option it reads is in the key by construction —
    /// the heads, the seed and the fold.
    struct Key: Hashable {
        var data: String
        var dimension: String
        var encoders: [String]
        var fit: ConsistencyFitOptions
        var heads: [ConsistencyHeadSpec]
        var seed: Int
        var fold: Int?

        init(data: JSONValue, model: JSONValue, fit: ConsistencyFitOptions, specs: [ConsistencyHeadSpec], seed: Int, fold: Int?) {
            self.data = data.rendered()
            dimension = model["dimension"]?.rendered() ?? ""
            encoders = Set(specs.flatMap(\.sourceModalities)).sorted().map { m in model["encoders"]?[m.rawValue]?.rendered() ?? "" }
            self.fit = fit
            heads = specs
            self.seed = seed
            self.fold = fold
        }
    }

    /// The label-free components of self- and semi-supervised runs, by everything they depend
    /// on (`ExperimentRunner.selfSupervisedKey`): a study's variants that differ only in the
    /// label fraction or the classifier pre-train once per seed.
    private var selfSupervised: [String: (SelfSupervisedScores, ConsistencyFit?)] = [:]

    func selfSupervised(_ key: String, make: () throws -> (SelfSupervisedScores, ConsistencyFit?)) rethrows -> (SelfSupervisedScores, ConsistencyFit?) {
        if let hit = selfSupervised[key] { hits += 1; return hit }
        let made = try make()
        selfSupervised[key] = made
        return made
    }

    func fit(_ key: Key, make: () throws -> ConsistencyFit) rethrows -> ConsistencyFit {
        if let hit = fits[key] { hits += 1; return hit }
        let fit = try make()
        fits[key] = fit
        return fit
    }
}
