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
            ConfigField("type", .choice(["neural"] + ClassicalModelRegistry.all.map(\.name)), default: "neural",
                        "`neural`: the multimodal model (encoders, fusion, heads); the others are classical models trained on the per-sample features of `fusionlab features` (same split, seeds, threshold rule, metrics and files), each with its options under `model.<type>`."),
            ConfigField("classical_inputs", .object([
                ConfigField("consistency_surprises", .bool, default: false,
                            "Classical models also read the consistency heads' surprises as features — out-of-fold for training samples, as the neural model's evidence — (the hybrid; needs `model.consistency.heads`)."),
            ]), "What classical models read besides the exported features."),
        ] + ClassicalModelRegistry.all.map { definition in
            ConfigField(definition.name, .object(definition.fields), "Options of `model.type` \(definition.name): \(definition.doc)")
        } + [
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
            ConfigField("consistency", .object([
                ConfigField("heads", .map(.object([
                    ConfigField("from", .oneOrList(.string), "Sources: modalities (their encoder embeddings) and/or token columns (`attributes.brand`); for a per-event target, token fields of the same event only (`sequence.events.item_id`)."),
                    ConfigField("predict", .string, "Target: `profile.<column>`, `attributes.<column>` (floats become training-quantile buckets), `sequence.last.<field>`, or `sequence.events.<field>` — every event's token field or event float (bucketed by training-event quantiles), judged per event."),
                    ConfigField("enabled", .bool, default: true, "Switch the head off without deleting it."),
                ])), default: .object([]), "Cross-modal consistency heads by name: each predicts one field from other modalities; its surprise −log p(declared value) is a mismatch signal. Each entry: `from` (modalities and/or token columns such as `attributes.brand`), `predict` (`profile.<column>`, `attributes.<column>` — floats become training-quantile buckets — `sequence.last.<field>`, or `sequence.events.<field>`: judged on every event of the window from other token fields of the same event, e.g. `{\"from\": [\"sequence.events.item_id\"], \"predict\": \"sequence.events.rating\"}`; the sample's surprise is then two columns, the mean `<head>` and the max `<head>.max` over its judged events), `enabled` (default true). Example: Configs/models/consistency-heads.json."),
                ConfigField("surprise_input", .bool, default: true,
                            "Feed the heads' cross-fitted surprises to the classifier as additive evidence (out-of-fold for training samples)."),
                ConfigField("surprise_scaling", .choice(SurpriseScaling.allCases.map(\.rawValue)), default: "standard",
                            "How surprises reach the classifier: `standard` z-scores them with training statistics; `tail` gives −log of the share of training samples at least as surprising (rank-based, robust to the heavy tail)."),
                ConfigField("joint_weight", .number(min: 0), default: 0.0,
                            "Also train the heads on the model's own embeddings, with this loss weight (0: off)."),
                ConfigField("folds", .integer(min: 2, max: 10), default: 3, "Cross-fitting folds over the training split."),
                ConfigField("epochs", .integer(min: 1), default: 8, "Epochs of each cross-fitted consistency model."),
                ConfigField("batch_size", .integer(min: 1), default: 128, "Batch size of the consistency fits."),
                ConfigField("lr", .number(min: 0, exclusiveMinimum: true), default: 0.003, "AdamW learning rate of the consistency fits."),
                ConfigField("weight_decay", .number(min: 0), default: 0.01, "AdamW weight decay of the consistency fits."),
                ConfigField("hidden", .list(.integer(min: 1)), default: [64], "Hidden widths of each head's MLP."),
                ConfigField("evidence_warmup_steps", .integer(min: 0), default: 300,
                            "Full-batch steps fitting the evidence alone on training surprises before the model trains (0: none)."),
                ConfigField("evidence_warmup_lr", .number(min: 0, exclusiveMinimum: true), default: 0.01, "AdamW learning rate of the evidence warm start."),
                ConfigField("evidence_warmup_weight_decay", .number(min: 0), default: 0.01, "AdamW weight decay of the evidence warm start."),
                ConfigField("evidence_combine", .choice(EvidenceCombination.allCases.map(\.rawValue)), default: "mlp",
                            "`add`: the evidence is added to the fusion's logit; `mlp`: an MLP reads the surprises and the fusion's logit and gives the final logit; `or`: noisy-OR of the two probabilities (either part can flag a sample, neither can talk the other down)."),
                ConfigField("evidence_training", .choice(["frozen", "joint"]), default: "joint",
                            "After the warm start: `frozen` keeps the evidence fixed (encoders that memorise training anomalies cannot talk it down), `joint` trains it with the model."),
                ConfigField("evidence_hidden", .list(.integer(min: 1)), default: [64], "Hidden widths of the MLP reading surprises into the logit."),
                ConfigField("min_heldout_gain", .number(), default: 0.01,
                            "A head whose held-out gain on its own target (nats over the training class frequencies, on the cross-fit folds) is below this and whose ROC-AUC on its target is below `min_heldout_target_roc_auc` leaves the evidence, with a note: its surprise would only say how rare a declared value is."),
                ConfigField("min_heldout_target_roc_auc", .number(min: 0, max: 1), default: 0.6,
                            "See `min_heldout_gain`: a head ranking its own target at least this well on the held-out folds (macro one-vs-rest) stays in the evidence whatever its gain."),
                ConfigField("evidence_selection", .choice(["validation", "always"]), default: "validation",
                            "`validation` also trains the same model without the evidence and keeps the evidence only when it scores better on validation (the early-stopping metric), so the heads cannot make a model worse than it is without them beyond what validation can see; `always` keeps it unchecked (half the training time)."),
                ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout in the heads."),
            ]), "Cross-modal consistency heads (none by default)."),
        ])
    }
}
