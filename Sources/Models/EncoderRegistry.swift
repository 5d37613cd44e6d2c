import Datasets
import Support
import Tensor

/// Every encoder FusionLab knows, by modality and config name. Adding an encoder means adding
/// its definition here.
public enum EncoderRegistry {
    public static let all: [EncoderDefinition] = [
        TransformerSequenceEncoder.definition,
        RecurrentSequenceEncoder.definition(.gru),
        RecurrentSequenceEncoder.definition(.lstm),
        ConvolutionalSequenceEncoder.definition,
        MeanSequenceEncoder.definition,
        TabularEncoder.definition(.profile),
        TabularEncoder.definition(.attributes),
        ImageEncoder.definition,
    ]

    public static func definitions(for modality: Modality) -> [EncoderDefinition] { all.filter { $0.modality == modality } }

    public static func definition(_ name: String, for modality: Modality) -> EncoderDefinition? {
        all.first { $0.modality == modality && $0.name == name }
    }

    /// The encoder of `modality` the model options describe — for the main model and the
    /// consistency fits alike, so both build (and check) it one way.
    public static func build(_ modality: Modality, options: ModelOptions, context: EncoderContext,
                             generator: inout RandomGenerator) throws(ConfigError) -> any ModalityEncoder {
        guard let choice = options.encoders[modality] else { preconditionFailure("no encoder options for \(modality.rawValue)") }
        if let (key, message) = choice.definition.problem(choice.options, context) {
            throw ConfigError(path: "model.encoders.\(modality.rawValue).\(key)", message: message)
        }
        return choice.definition.build(choice.options, context, &generator)
    }
}
