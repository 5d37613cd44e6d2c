/// Every fusion FusionLab knows, by config name.
public enum FusionRegistry {
    public static let all: [FusionDefinition] = [
        AttentionFusion.definition,
        ConcatFusion.definition,
        GatedFusion.definition,
        LateFusion.definition,
        ConditionedFusion.definition,
    ]

    public static func definition(_ name: String) -> FusionDefinition? { all.first { $0.name == name } }
}
