import Models
import Support

/// What `run --dry-run` and `validate` print about a config's model: build notes, modalities and
/// parameter counts per module, or the classical model and what it reads (the first fold's
/// dataset gives the schema).
public enum ModelSummary {
    public static func lines(for runner: ExperimentRunner) throws -> [String] {
        let dataset = try runner.dataset(fold: runner.folds.first ?? nil)
        let schema = dataset.schema(imageSize: runner.options.images.size)
        let options = ModelOptions(section: runner.config["model"]!)
        if let classical = options.classical {
            let modalities = options.modalities.filter { schema.available.contains($0) }
            return ["model: \(classical.definition.name) on the per-sample features of \(modalities.map(\.rawValue).joined(separator: " + "))"
                    + (options.classicalReadsSurprises ? ", with the consistency heads' out-of-fold surprises" : "")]
        }
        let (model, notes) = try MultimodalModel.build(config: runner.config["model"]!, schema: schema, seed: 0)
        var lines = notes.map { "note: \($0)" }
        lines.append("model: \(model.modalities.map(\.rawValue).joined(separator: " + ")), \(model.parameterCount) parameters")
        for (name, count) in model.parameterCounts { lines.append("  \(name): \(count)") }
        return lines
    }
}
