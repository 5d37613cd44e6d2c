/// Every classical model FusionLab knows, by config name (`model.type`). Adding a model means
/// adding its definition here.
public enum ClassicalModelRegistry {
    public static let all: [ClassicalModelDefinition] = [
        GradientBoostedTrees.definition,
        LogisticRegression.definition,
        LinearSVM.definition,
        NearestNeighbours.definition,
        ExtraTrees.definition,
        IsolationForest.definition,
        NearestNeighbourDistance.definition,
        ECOD.definition,
    ]

    public static func definition(_ name: String) -> ClassicalModelDefinition? {
        all.first { $0.name == name }
    }
}
