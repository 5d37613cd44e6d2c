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

    /// The encoder of `modality` that `model.encoders.<modality>` describes — for the main model
    /// and the consistency fits alike, so both build (and check) it one way.
    public static func build(_ modality: Modality, encoders: JSONValue, context: EncoderContext,
                             generator: inout RandomGenerator) throws(ConfigError) -> any ModalityEncoder {
        guard let options = encoders[modality.rawValue], let type = options["type"]?.stringValue,
              let definition = definition(type, for: modality) else {
            throw ConfigError(path: "model.encoders.\(modality.rawValue).type", message: "unknown encoder")
        }
        if modality == .sequence, type == "transformer", context.dimension % options.int("heads") != 0 {
            throw ConfigError(path: "model.encoders.sequence.heads",
                              message: "\(options.int("heads")) heads do not divide model.dimension \(context.dimension)")
        }
        return definition.build(options, context, &generator)
    }
}
