import Models
import Support

/// What `run --dry-run` and `validate` print about a config's model: build notes, modalities and
/// parameter counts per module (the first fold's dataset gives the schema).
public enum ModelSummary {
    public static func lines(for runner: ExperimentRunner) throws -> [String] {
        let dataset = try runner.dataset(fold: runner.folds.first ?? nil)
        let schema = dataset.schema(imageSize: runner.options.images.size)
        let (model, notes) = try MultimodalModel.build(config: runner.config["model"]!, schema: schema, seed: 0)
        var lines = notes.map { "note: \($0)" }
        lines.append("model: \(model.modalities.map(\.rawValue).joined(separator: " + ")), \(model.parameterCount) parameters")
        for (name, count) in model.parameterCounts { lines.append("  \(name): \(count)") }
        return lines
    }
}
