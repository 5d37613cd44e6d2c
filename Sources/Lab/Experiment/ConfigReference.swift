import Support

/// docs/CONFIG.md, generated from `ExperimentSchema` (a test keeps the committed file current).
public enum ConfigReference {
    public static var markdown: String {
        ConfigDocs.markdown(ExperimentSchema.root, title: "Experiment configuration",
                            intro: """
                            Generated from the schema in `Sources/Lab/Experiment/ExperimentSchema.swift` and the encoder and fusion \
                            registries (`fusionlab validate --docs` prints it). Configs are JSON; `extends` (a path or a list of paths, \
                            relative to the file) merges base configs in order, the file itself last; `--set key.path=value` overrides on \
                            the command line. Precedence: defaults < bases < file < command line. Unknown keys and invalid values are \
                            errors naming the key's path. For an object with a `type`, the options of the other types are accepted and \
                            ignored, so `--set model.encoders.sequence.type=gru` works on a Transformer config.
                            """)
    }
}
