import Tensor
import NN
import Datasets
import Models
import Support

/// The reference architecture of Benchmarks/torch_reference.py, expressed as a FusionLab
/// model config and dataset schema, plus that script's random batches.
enum ReferenceArchitecture {
    static let dimension = 64
    static let length = 50
    static let imageSize = 32
    static let sequenceVocabularies = [("event_type", 5), ("item_id", 5000), ("category", 100), ("gap", 32)]
    static let profileFloats = 16, profileCategoricals = 3, profileVocabulary = 10
    static let attributeFloats = 8, attributeVocabularies = [("category", 100), ("brand", 50)]

    /// Exactly the reference's four token fields and no per-event floats (our sequence
    /// embedding sums every field the schema lists).
    static let schema = DatasetSchema(
        sequenceLength: length,
        sequenceTokens: sequenceVocabularies.map { .init(name: $0.0, size: $0.1) },
        sequenceFloats: [],
        profile: .init(floatNames: (0..<profileFloats).map { "p\($0)" },
                       categorical: (0..<profileCategoricals).map { .init(name: "c\($0)", size: profileVocabulary) }),
        attributes: .init(floatNames: (0..<attributeFloats).map { "a\($0)" },
                          categorical: attributeVocabularies.map { .init(name: $0.0, size: $0.1) }),
        imageSize: imageSize, anomalyClasses: [])

    /// The `model` config section closest to the reference: 2-layer pre-LN Transformer (4 heads,
    /// FFN 128, dropout 0.1, final LayerNorm, masked mean), tabular MLPs in → 64 → 64 with
    /// 8-wide categorical embeddings and no dropout (the reference has none there), the
    /// 3-conv CNN 16/32/64, attention fusion with 4 heads and a 64 → 64 → 1 classifier.
    static let config: JSONValue = [
        "dimension": 64,
        "modalities": ["sequence", "profile", "attributes", "image"],
        "encoders": [
            "sequence": ["type": "transformer", "layers": 2, "heads": 4, "feedforward": 128, "dropout": 0.1, "pooling": "mean"],
            "profile": ["type": "mlp", "hidden": [64], "categorical_dimension": 8, "dropout": 0.0],
            "attributes": ["type": "mlp", "hidden": [64], "categorical_dimension": 8, "dropout": 0.0],
            "image": ["type": "cnn", "channels": [16, 32, 64], "residual": false],
        ],
        "fusion": ["type": "attention", "heads": 4, "conditioned_query": false, "hidden": [64], "dropout": 0.1],
        "modality_dropout": 0.0,
    ]

    static func validatedConfig() throws -> JSONValue { try ModelSchema.section.validate(config, path: "model") }

    static func model(seed: UInt64) throws -> MultimodalModel {
        try MultimodalModel.build(config: validatedConfig(), schema: schema, seed: seed).model
    }

    /// Parameter counts of the PyTorch reference, from the layer sizes in torch_reference.py
    /// (their sum, 466,241, is the figure results_torch.md reports). Each encoder-alone model
    /// also has the reference's `Linear(64, 1)` head (65), fusion_only included (unused there).
    static let torchParameters: [(part: String, count: Int)] = [
        ("encoders.sequence", (5 + 5000 + 100 + 32) * 64 + 50 * 64 + 2 * (4 * 64 * 64 + 4 * 64 + 2 * 128 + 64 * 128 + 128 + 128 * 64 + 64) + 128),
        ("encoders.profile", 3 * 10 * 8 + (16 + 24) * 64 + 64 + 64 * 64 + 64),
        ("encoders.attributes", 150 * 8 + (8 + 16) * 64 + 64 + 64 * 64 + 64),
        ("encoders.image", (3 * 16 * 9 + 16) + (16 * 32 * 9 + 32) + (32 * 64 * 9 + 64) + 64 * 64 + 64),
        ("fusion", 4 * 64 + 128 + (4 * 64 * 64 + 4 * 64) + 64 + (64 * 64 + 64) + (64 * 64 + 64) + (64 + 1)),
    ]
    static var torchTotalParameters: Int { torchParameters.reduce(0) { $0 + $1.count } }
    static let torchHeadParameters = 65

    /// torch_reference.py's `make_batch`: lengths uniform in 5…50 with padding after them,
    /// token ids uniform over each vocabulary (padded positions too), normal floats and images,
    /// uniform categoricals, random 0/1 labels. Every modality present.
    static func batch(size b: Int, generator g: inout RandomGenerator) -> Batch {
        let lengths = (0..<b).map { _ in Int32(5 + g.nextInt(below: length - 4)) }
        let padding = Tensor(zeros: [b, length])
        for (r, n) in lengths.enumerated() { (padding.pointer + r * length + Int(n)).update(repeating: 1, count: length - Int(n)) }
        var tokens: [String: IndexTensor] = [:]
        for (name, vocabulary) in sequenceVocabularies {
            tokens[name] = IndexTensor((0..<(b * length)).map { _ in Int32(g.nextInt(below: vocabulary)) }, shape: [b, length])
        }
        let profileCategorical = (0..<(b * profileCategoricals)).map { _ in Int32(g.nextInt(below: profileVocabulary)) }
        var attributeCategorical: [Int32] = []
        for _ in 0..<b { for (_, v) in attributeVocabularies { attributeCategorical.append(Int32(g.nextInt(below: v))) } }
        return Batch(
            samples: Array(0..<b), sequenceTokens: tokens, sequenceFloats: Tensor(zeros: [b, length, 0]),
            sequencePadding: padding, sequenceLengths: lengths,
            profileFloats: Tensor(normal: [b, profileFloats], generator: &g),
            profileCategorical: IndexTensor(profileCategorical, shape: [b, profileCategoricals]),
            attributeFloats: Tensor(normal: [b, attributeFloats], generator: &g),
            attributeCategorical: IndexTensor(attributeCategorical, shape: [b, attributeVocabularies.count]),
            images: Tensor(normal: [b, 3, imageSize, imageSize], generator: &g),
            modalityMask: Tensor(ones: [b, Modality.allCases.count]),
            labels: Tensor((0..<b).map { _ in Float(g.nextInt(below: 2)) }, shape: [b]),
            anomalyClasses: [Int32](repeating: -1, count: b))
    }

    /// Differences between our model and the reference that the config cannot remove.
    static func differences(fusionProjectionParameters: Int) -> [String] {
        [
            "Attention fusion projects each modality embedding with its own Linear(64→64) before adding the type "
                + "embedding (+\(fusionProjectionParameters.formatted) parameters); the reference adds the type embedding to the encoder outputs directly.",
            "Attention fusion takes a modality mask (all ones here) as key padding mask and masks the pooling scores with it; the reference has no mask.",
            "The fusion's `dropout` (0.1) also applies between the classifier's two layers; the reference classifier has no dropout.",
            "Sequence token tables have padding index 0 (row 0 stays zero and gets no gradient) and are initialised scaled by 1/√4; "
                + "the reference's have no padding index. Initialisation differs elsewhere too (no effect on speed).",
        ]
    }
}
