import Support

/// docs/CONFIG.md, generated from `ExperimentSchema` (a test keeps the committed file current).
public enum ConfigReference {
    public static var markdown: String {
        ConfigDocs.markdown(ExperimentSchema.root, title: "Experiment configuration",
                            intro: """
                            Generated from the schema in `Sources/Lab/Experiment/ExperimentSchema.swift` and the encoder and fusion \
                            registries (`fusionlab validate --docs` prints it). Configs are JSON; `extends` (a path or a list of paths, \
                            relative to the file) merges base configs key by key in order, the file itself last; `--set key.path=value` \
                            replaces one value on the command line. Precedence: defaults < bases < file < command line. Unknown keys and \
                            invalid values are errors naming the key's path. **Switching a `type`**: when a later layer (a derived file, a \
                            `--set`, a variant) changes an object's `type`, the options it inherited from earlier layers that the new type \
                            does not accept are dropped, with a note (`validate` and `run` print it); inherited options the new type \
                            accepts are kept, and an invalid option given in the same layer as the new type, or later, is an error. So \
                            `--set model.encoders.sequence.type=gru` works on a Transformer config (its `heads`, `feedforward` and \
                            `pooling: "mean"` are dropped; `layers` is kept). A variant (`variants`) is exactly the config that the same \
                            `--set` list gives on the command line: its overrides are laid over the merged files before defaults are \
                            filled in, so switching `training.optimizer.type` to `sgd` gets SGD's own default `lr` and `weight_decay`.
                            """)
    }
}
