import Datasets
import Models
import Support

/// The whole experiment config. docs/CONFIG.md is generated from this (`fusionlab validate --docs`).
public enum ExperimentSchema {
    public static var root: ConfigType {
        .object([
            ConfigField("name", .string, default: "experiment", "Experiment name; results go to <output.directory>/<name>/."),
            ConfigField("description", .optional(.string), "Free text kept with the results."),
            ConfigField("data", data, "Where the data comes from and how it is prepared."),
            ConfigField("model", ModelSchema.section, "The model: encoders, fusion, heads."),
            ConfigField("training", training, "The training recipe."),
            ConfigField("evaluation", evaluation, "Thresholds and metrics."),
            ConfigField("seeds", .oneOrList(.integer(min: 0)), default: [0],
                        "Training seeds (initialisation, shuffling, dropout). Each seed is one run; tables report mean ± std."),
            ConfigField("variants", .map(.list(.string)), default: .object([]),
                        "Named variants compared in one table, each a list of overrides (\"model.fusion.type=concat\"); empty: just this config."),
            ConfigField("select", .optional(.object([
                ConfigField("metric", .choice(MetricRegistry.scalars.map(\.name)), default: "average_precision",
                            "The validation metric the variants are compared on."),
                ConfigField("split", .choice(["valid"]), default: "valid", "Where the choice is made: validation only; the test split never chooses."),
                ConfigField("ablate", .optional(.object([
                    ConfigField("mode", .list(.choice(AblationMode.allCases.map(\.rawValue))), default: ["leave-one-out"],
                                "Modality sets to train besides the selected variant's full model."),
                    ConfigField("masked", .bool, default: false, "Also score the full model with each modality masked."),
                    ConfigField("seeds", .optional(.oneOrList(.integer(min: 0))), "Seeds of the ablation (default: the study's)."),
                ])), "After selection, a modality ablation of the variant chosen for most seeds (ties: the better mean validation metric), in <study>/ablation-of-selected/ — so the ablation shows what the model to use rests on."),
            ])), "Model selection over `variants`: per seed (and fold), the variant best on validation joins the table as `selected`, reported on test; selection.csv lists each choice."),
            ConfigField("ablation", ablation, "Modality ablation, run by `fusionlab ablate` or when `ablation.mode` is set."),
            ConfigField("output", .object([
                ConfigField("directory", .string, default: "Results", "Root folder of results (relative to the working directory)."),
                ConfigField("save_checkpoints", .bool, default: true, "Write model.safetensors (best weights) and the resume state."),
            ]), "Where results are written."),
            ConfigField("threads", .optional(.integer(min: 1, max: 256)), "Threads for OpenBLAS and parallel loops (default: all cores)."),
        ])
    }

    static var data: ConfigType {
        .object([
            ConfigField("path", .string, default: "Datasets/synthetic-small",
                        "Dataset folder (docs/DATASETS.md), relative to the working directory."),
            ConfigField("generate", .optional(.object([
                ConfigField("preset", .choice(["tiny", "small", "medium", "large"]), default: "small", "Synthetic shop preset."),
                ConfigField("seed", .integer(min: 0), default: 0, "Generator seed."),
            ])), "If set and `path` does not exist, generate the synthetic shop there first."),
            ConfigField("cache", .optional(.string),
                        "A folder written by `fusionlab prepare` from this dataset and these data settings: runs read batches from it (memory O(batch + model), not O(dataset)); a stale or corrupt cache is refused."),
            ConfigField("max_length", .integer(min: 1, max: 4096), default: 50, "Most recent events kept per sample."),
            ConfigField("min_frequency", .integer(min: 1), default: 1, "Tokens rarer than this in training become out-of-vocabulary."),
            ConfigField("item_hash_buckets", .optional(.integer(min: 1)), "Hash item ids into this many buckets instead of a vocabulary."),
            ConfigField("gap_buckets", .integer(min: 4, max: 64), default: 32, "Log-spaced time-gap buckets."),
            ConfigField("event_token_columns", .list(.string), default: [], "Extra events.csv token columns embedded per event (e.g. device)."),
            ConfigField("event_float_columns", .list(.string), default: [], "Extra events.csv float columns per event (e.g. dwell)."),
            ConfigField("event_item_columns", .optional(.list(.string)),
                        "items.csv columns joined to every event through its item (fields `item.<column>`: tokens embedded, floats standardised on training events). "
                            + "Default (null): every :token and :float column but item_id, the category column and image (the log lists them); [] turns it off."),
            ConfigField("population_features", .bool, default: true,
                        "Per-event features relative to everyone's events (fields `population.*`): the item's log count and popularity rank, and each event float column's deviation from the item's mean (`population.<column>_vs_item`), from training histories only, leave-one-out for the events counted."),
            ConfigField("item_category_column", .string, default: "category_id",
                        "The token column giving each event's category: taken from events.csv when it has it, else joined from items.csv."),
            ConfigField("missing_entities", .choice(MissingEntityPolicy.allCases.map(\.rawValue)), default: "drop",
                        "Events whose user or item has no row in users.csv/items.csv: drop them (counted in the log) or stop with an error."),
            ConfigField("split", .checked(.object([
                ConfigField("strategy", .choice(SplitStrategy.allCases.map(\.rawValue)), default: "auto",
                            "auto (the default): labels.csv's `split` column when it has one, else `grouped` when a user has several samples, else `stratified`; "
                                + "stratified (by label; a user may land in two splits), grouped (stratified over whole users), time (train on the earliest), "
                                + "user_disjoint (whole users, not stratified), or column (labels.csv's split). The log says what auto chose."),
                ConfigField("train", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.7, "Training share."),
                ConfigField("valid", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.15, "Validation share."),
                ConfigField("test", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.15, "Test share."),
                ConfigField("seed", .integer(min: 0), default: 0, "Split seed; fixed across training seeds so they share one split."),
                ConfigField("folds", .optional(.integer(min: 2, max: 50)), "k-fold cross-validation: run every fold (test = that fold)."),
            ]), splitSharesSumToOne), "How samples are divided."),
            ConfigField("images", .object([
                ConfigField("size", .integer(min: 4, max: 512), default: 32, "Images are resized to size × size."),
                ConfigField("missing", .choice(MissingImagePolicy.allCases.map(\.rawValue)), default: "mask",
                            "A missing or corrupt image: mask the image modality for that sample (counted) or stop with an error."),
                ConfigField("normalization", .choice(["imagenet", "unit"]), default: "imagenet", "Per-channel normalisation."),
                ConfigField("max_pixels", .integer(min: 1), default: .number(Double(ImageLimits.defaultMaxPixels)),
                            "Largest width × height accepted, checked from the header before decoding (a decompression-bomb guard, as PIL's)."),
            ]), "Product images."),
        ])
    }

    /// Shares are used as given, never rescaled: 5 / 0.15 / 0.15 is a typo, not a 94% split.
    static let splitSharesSumToOne = ConfigRule("`train` + `valid` + `test` must be 1 (within \(SplitFractions.sumTolerance)).") { split in
        SplitFractions(train: split.double("train"), valid: split.double("valid"), test: split.double("test")).problem
    }

    static var training: ConfigType {
        .checked(.object([
            ConfigField("epochs", .integer(min: 1, max: 10_000), default: 20, "Maximum epochs."),
            ConfigField("batch_size", .integer(min: 1, max: 65_536), default: 128, "Samples per step."),
            ConfigField("optimizer", .tagged(key: "type", cases: [
                ("adamw", "AdamW with decoupled weight decay (none on biases and norm gains).", [
                    ConfigField("lr", .number(min: 0, exclusiveMinimum: true), default: 1e-3, "Peak learning rate."),
                    ConfigField("weight_decay", .number(min: 0), default: 0.01, "Decoupled weight decay."),
                    ConfigField("beta1", .number(min: 0, max: 0.9999), default: 0.9, "First-moment decay."),
                    ConfigField("beta2", .number(min: 0, max: 0.99999), default: 0.999, "Second-moment decay."),
                ]),
                ("sgd", "SGD with momentum.", [
                    ConfigField("lr", .number(min: 0, exclusiveMinimum: true), default: 1e-2, "Peak learning rate."),
                    ConfigField("momentum", .number(min: 0, max: 0.9999), default: 0.9, "Momentum."),
                    ConfigField("weight_decay", .number(min: 0), default: 0.0, "L2 weight decay (matrices only)."),
                ]),
            ], defaultCase: "adamw"), "Optimizer."),
            ConfigField("schedule", .object([
                ConfigField("warmup_fraction", .number(min: 0, max: 0.5), default: 0.05, "Share of all steps spent warming up linearly."),
                ConfigField("decay", .choice(["cosine", "linear", "constant"]), default: "cosine", "Decay after warm-up."),
                ConfigField("min_ratio", .number(min: 0, max: 1), default: 0.05, "Final learning rate as a share of the peak."),
            ]), "Learning-rate schedule."),
            ConfigField("clip_norm", .number(min: 0), default: 1.0, off: 0,
                        "Largest global L2 norm of the gradients; larger ones are scaled down to it (as PyTorch Lightning's `gradient_clip_val`)."),
            ConfigField("imbalance", .choice(["pos_weight", "focal", "balanced_sampling", "none"]), default: "pos_weight",
                        "Class imbalance: positive-class weight from the training ratio, focal loss, balanced batches, or nothing."),
            ConfigField("focal", .object([
                ConfigField("alpha", .number(min: 0, max: 1), default: 0.25, "Weight of the positive class."),
                ConfigField("gamma", .number(min: 0, max: 10), default: 2.0, "Focusing exponent."),
            ]), "Focal-loss settings (imbalance: focal)."),
            ConfigField("early_stopping", .object([
                ConfigField("metric", .choice(MetricRegistry.earlyStoppingChoices), default: "average_precision",
                            "Validation metric watched for early stopping and best-model selection."),
                ConfigField("patience", .integer(min: 1), default: 5, "Epochs without improvement before stopping."),
            ]), "Early stopping; the best epoch's weights are restored."),
            ConfigField("log_every", .integer(min: 1), default: 50, "Steps between log lines when not on a terminal."),
            ConfigField("pruning", pruning, "Gradual magnitude pruning with fine-tuning (Zhu & Gupta 2017); metrics.json records the sparsity reached under `pruning`."),
            ConfigField("objective", .choice(TrainingOptions.LabelObjective.allCases.map(\.rawValue)), default: "supervised",
                        "What the run learns from. supervised: every training label. self_supervised: no anomaly label at all — the labels are "
                            + "removed from the data before anything is fitted; the score combines label-free components (the consistency heads' "
                            + "surprises, next-event surprise of the behaviour sequence (a learned next-event model or the first-order one, whichever predicts "
                            + "the validation split's events better — no label read), reconstruction error of the profile and attribute features, "
                            + "extremes (the mean of the sample's three largest −log tail shares over the generic numeric features, each feature's "
                            + "larger tail), image–attributes alignment), each turned into −log of its empirical tail share among the training samples (two-sided for "
                            + "the next-event mean) and combined by `combination`; the threshold is the training quantile at "
                            + "`contamination`; validation and test labels are read only to measure. semi_supervised: the self-supervised components are "
                            + "fitted on every training sample (no labels); every labelled sample the run may read (the labelled training fraction and the "
                            + "same fraction of validation, pooled) is split into 5 stratified, seeded folds (fewer when the pool holds fewer "
                            + "anomalies), and seven candidates are cross-validated on them: the pre-trained score, L2 logistic regression (C = 1, "
                            + "balanced) on the self-supervised columns alone (labels re-weight the components), tail_linear (C = 0.03 on every numeric "
                            + "feature and self-supervised column beside its two −log tail shares among the unlabelled training samples, and the "
                            + "categorical ones), tail_linear_prior (tail_linear's and the pre-trained score's −log training tail shares summed: Fisher's "
                            + "combination), tail_ensemble (the same sum with a third term: extremely randomised trees, model.type extra_trees, "
                            + "300 trees, on the same tail shares; and a fourth: the same trees on the tail columns that single out the labelled anomalies one by one, for each the two the fewest labelled normal samples reach, fitted with two synthetic anomalies per labelled one: a labelled normal sample carrying its values in those columns), C = 1 on every generic feature and self-supervised column (min_frequency 10), and the classifier (`model.type`, a classical one; no early stopping: "
                            + "a fold holds too few anomalies to choose a round by). The one with the highest out-of-fold average precision is kept (a tie keeps "
                            + "the simpler) — when the pool holds at least 50 anomalies; with fewer, tail_ensemble, or tail_linear_prior below 10 anomalies "
                            + "(there the choice by out-of-fold AP is noise, and the pooled training samples' cross-fitted self-supervised columns "
                            + "undervalue the pre-trained score; trees split on single anomalies) — the threshold is chosen on its out-of-fold scores by `evaluation.threshold`, and it is refitted on the "
                            + "whole pool; no other label is read. With model.type neural, the same pre-training, then the fusion model is trained "
                            + "on the labelled training fraction alone, its evidence reading the standardised self-supervised columns and their "
                            + "combined score beside the heads' surprises — a linear, added evidence (model.consistency.evidence_hidden [], "
                            + "evidence_combine add) starts as the pre-trained score, any other is warm-started on the labelled training fraction; "
                            + "early stopping and the threshold read the labelled validation fraction alone (no evidence selection). docs: README's label-efficiency section."),
            ConfigField("label_fraction", .number(min: 0, max: 1, exclusiveMinimum: true), default: 1.0,
                        "semi_supervised: the share of training samples whose labels are read, drawn within strata (training.label_strata) "
                            + "with the run's seed; at least one sample per class. The same share of the validation samples' labels is read "
                            + "(a draw of its own)."),
            ConfigField("label_strata", .choice(TrainingOptions.LabelStrata.allCases.map(\.rawValue)), default: .string(TrainingOptions.LabelStrata.standard.rawValue),
                        "semi_supervised: what the labelled fraction is stratified by. anomaly_type: the full label — each class's count "
                            + "is its share of the class (at least one), and the anomalies' count is spread over their anomaly types in "
                            + "proportion to each type's size (largest remainders, ties to the type first by name; a type too small for one "
                            + "labelled sample may get none), the strata being the values the label records; data without anomaly types draw as "
                            + "class. class: the class alone (normal, anomaly) — the same counts and the same normal samples, but which types "
                            + "the anomalies come from is left to the draw, and at a few percent of the labels a type may go unlabelled "
                            + "(README's label-efficiency section)."),
            ConfigField("next_event_model", .choice(TrainingOptions.NextEventModelChoice.allCases.map(\.rawValue)), default: "auto",
                        "self_supervised and semi_supervised: the next-event surprise's model. learned: an MLP over the three events before "
                            + "predicting every field of the next (small token vocabularies, float buckets, the item relation: none, first, the "
                            + "previous item again, an earlier one, a new one); first_order: each field given the same field of the event before "
                            + "(smoothed counts); auto: the one with the lower negative log-likelihood per event on the validation split's "
                            + "events (no label read), over the fields both predict."),
            ConfigField("combination", .choice(SelfSupervisedScores.CombinationRule.allCases.map(\.rawValue)), default: "fisher_mean",
                        "self_supervised and semi_supervised: how the components' columns, each −log p of its empirical training tail, become "
                            + "one score. fisher_mean: the mean of −log p (Fisher's combination scaled by the column count). harmonic_mean_p: "
                            + "−log of their harmonic mean p-value (Wilson 2019), log of the mean of 1/p — a soft maximum, valid when columns are "
                            + "dependent, so one clearly broken relation is not diluted by the columns that look normal; on the small shop's "
                            + "validation split (seed 0) it ranked worse than the mean (ROC-AUC 0.796 against 0.807): with a dozen columns the "
                            + "largest surprise of a normal sample is large too."),
            ConfigField("contamination", .number(min: 0, max: 0.5, exclusiveMinimum: true), default: 0.1,
                        "self_supervised: the expected share of anomalies (as PyOD's `contamination`); the decision threshold is the training "
                            + "scores' (1 − contamination) quantile, so no label chooses it."),
            ConfigField("pretrained_encoders", .bool, default: false,
                        "semi_supervised with model.type neural: before fine-tuning, an image–attributes alignment model (the alignment "
                            + "component's InfoNCE, 5 epochs) is fitted on every training sample without labels, and its image and attributes "
                            + "encoders' weights are copied into the fusion model's (same architecture: model.encoders, model.dimension). "
                            + "Other runs refuse true."),
        ]), pruningWithinTraining)
    }

    static var pruning: ConfigType {
        .object([
            ConfigField("target_sparsity", .number(min: 0, max: 0.99), default: 0, off: 0,
                        "Share of the Linear and convolution weights (not biases, norms, embeddings or recurrent cells) set to zero by magnitude."),
            ConfigField("start_epoch", .integer(min: 1), default: 1, "The epoch whose first step prunes first."),
            ConfigField("end_epoch", .optional(.integer(min: 1)),
                        "The epoch whose last step reaches the target (default: half of `epochs`, rounded up). Later epochs fine-tune at the target; only this epoch and later ones can be the best epoch whose weights are kept, and early stopping counts from it."),
            ConfigField("schedule", .choice(["cubic", "linear", "one_shot"]), default: "cubic",
                        "Sparsity from `start_epoch` to `end_epoch`: Zhu & Gupta's cubic ramp s = s_f·(1 − (1 − progress)³), a straight ramp, or all at once at `start_epoch`."),
            ConfigField("frequency", .integer(min: 1), default: 10, "Steps between mask updates while the sparsity ramps up."),
            ConfigField("scope", .choice(["layer", "global"]), default: "layer",
                        "Every layer pruned to the target (`layer`, as Zhu & Gupta), or one magnitude threshold over all of them (`global`: keeps more of the layers that matter, can empty a small one)."),
        ])
    }

    static let pruningWithinTraining = ConfigRule("`pruning.start_epoch` ≤ `pruning.end_epoch` ≤ `epochs` when `pruning.target_sparsity` > 0.") { training in
        let pruning = training["pruning"]!
        guard pruning.double("target_sparsity") > 0 else { return nil }
        let epochs = training.int("epochs"), start = pruning.int("start_epoch")
        let end = pruning["end_epoch"]?.intValue ?? (epochs + 1) / 2
        if end > epochs { return "pruning.end_epoch \(end) is after the last epoch (epochs \(epochs))" }
        if start > end { return "pruning.start_epoch \(start) is after pruning.end_epoch \(end)" + (pruning["end_epoch"]?.intValue == nil ? " (half of epochs \(epochs), by default)" : "") }
        return nil
    }

    static var evaluation: ConfigType {
        .object([
            ConfigField("threshold", .choice(["max_f1", "fpr"]), default: "max_f1",
                        "How the decision threshold is chosen on validation: best F1, or a target false-positive rate."),
            ConfigField("target_fpr", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.01, "Target FPR when threshold is fpr."),
            ConfigField("precision_at_k", .list(.integer(min: 1)), default: [10, 50, 100], "k values for precision@k."),
            ConfigField("explanation_quantile", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.99,
                        "A consistency check counts as failed in explanations.csv when its surprise is above this quantile of the normal training samples' (metrics.json reports the share of anomalies covered)."),
        ])
    }

    static var ablation: ConfigType {
        .object([
            ConfigField("mode", .optional(.list(.choice(["leave-one-out", "single", "all-subsets"]))),
                        "Modality sets to train: the full model plus each mode's sets."),
            ConfigField("masked", .bool, default: false, "Also score the trained full model with each modality masked."),
        ])
    }
}
