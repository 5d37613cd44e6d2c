import Support
import NN
import Models

/// Neural models without consistency evidence trained once per study: evidence selection's
/// model-without-evidence is the same training as a plain variant of the study (and as the
/// reference of other heads variants with the same classifier), so it is trained once and reused —
/// its weights copied into the new run's identically built model, its history kept.
///
/// The key is the run's resolved config with everything that cannot change the training taken
/// out: names, descriptions, variants, selection, output, evaluation and ablation settings, and —
/// when the model reads no evidence and trains no head jointly — the consistency section, which
/// then only explains. Same data, model, training, threads, seed and fold → the same weights.
public final class TrainedModelCache {
    struct Entry {
        var model: MultimodalModel
        var outcome: TrainingOutcome
    }
    private var entries: [String: Entry] = [:]
    public private(set) var hits = 0

    public init() {}

    /// The key of a neural run with `model` as its model section; nil when the model reads
    /// evidence (its training depends on the heads' fit) or is not neural.
    static func key(config: JSONValue, model: JSONValue, seed: Int, fold: Int?) -> String? {
        guard model["type"]?.stringValue ?? "neural" == "neural" else { return nil }
        var model = model
        let consistency = model["consistency"]
        let readsEvidence = consistency?["surprise_input"]?.boolValue == true && !(consistency?["heads"]?.objectPairs?.isEmpty ?? true)
        guard !readsEvidence else { return nil }
        if (consistency?["joint_weight"]?.doubleValue ?? 0) == 0 { model = model.removing("consistency") }
        var kept = config
        for key in ["name", "description", "variants", "select", "output", "evaluation", "ablation", "seeds"] { kept = kept.removing(key) }
        kept = kept.setting(["model"], to: model)
        return kept.oneLine + "\nseed \(seed) fold \(fold.map(String.init) ?? "-")"
    }

    /// `model` trained by `train`, or — when this study trained the same one already — given those
    /// weights and that outcome instead (`reused`). A nil key (a model reading evidence) always trains.
    func trainOrReuse(_ key: String?, model: MultimodalModel, train: () throws -> TrainingOutcome) rethrows -> (outcome: TrainingOutcome, reused: Bool) {
        if let key, let hit = entries[key] {
            hits += 1
            Self.copyWeights(from: hit.model, into: model)
            return (hit.outcome, true)
        }
        let outcome = try train()
        if let key { entries[key] = Entry(model: model, outcome: outcome) }
        return (outcome, false)
    }

    /// Copies a cached model's weights into `model`, built from the same options and seed.
    private static func copyWeights(from cached: MultimodalModel, into model: MultimodalModel) {
        let source = Dictionary(uniqueKeysWithValues: cached.namedParameters().map { ($0.0, $0.1) })
        for (name, tensor) in model.namedParameters() {
            guard let value = source[name], value.shape == tensor.shape else { preconditionFailure("a cached model and its reuse are built from the same options: \(name)") }
            tensor.assign(value)
        }
    }
}
