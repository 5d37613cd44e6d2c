import Datasets
import Support

/// The `model` section of a config, built from the registries: each encoder and fusion
/// contributes its own options, so a new one is documented and validated without touching this file.
public enum ModelSchema {
    public static var section: ConfigType {
        func encoderSlot(_ m: Modality, default name: String) -> ConfigField {
            ConfigField(m.rawValue, .tagged(key: "type", cases: EncoderRegistry.definitions(for: m).map { ($0.name, $0.doc, $0.fields) },
                                            defaultCase: name),
                        "Encoder of the \(m.rawValue) modality; `type` picks it, the other keys are its options.")
        }
        return .object([
            ConfigField("dimension", .integer(min: 4, max: 1024), default: 64, "Embedding width d shared by encoders and fusion."),
            ConfigField("modalities", .list(.choice(Modality.allCases.map(\.rawValue))), default: ["sequence", "profile", "attributes", "image"],
                        "Modalities the model uses (ablation removes some). Ones the dataset lacks are dropped with a note."),
            ConfigField("encoders", .object([
                encoderSlot(.sequence, default: "transformer"),
                encoderSlot(.profile, default: "mlp"),
                encoderSlot(.attributes, default: "mlp"),
                encoderSlot(.image, default: "cnn"),
            ]), "One encoder per modality."),
            ConfigField("fusion", .tagged(key: "type", cases: FusionRegistry.all.map { ($0.name, $0.doc, $0.fields) }, defaultCase: "attention"),
                        "How modality embeddings are combined; `type` picks it."),
            ConfigField("modality_dropout", .number(min: 0, max: 0.9), default: 0.0,
                        "Probability of masking each whole modality per training sample (at least one is kept)."),
            ConfigField("anomaly_type_head", .object([
                ConfigField("enabled", .bool, default: false, "Also predict the anomaly type (softmax over types seen in training)."),
                ConfigField("weight", .number(min: 0), default: 0.2, "Weight of its loss beside the binary loss."),
            ]), "Auxiliary anomaly-type classifier."),
        ])
    }
}
