import Datasets

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
}
