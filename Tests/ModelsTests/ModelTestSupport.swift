import Tensor
import Datasets
import Models
import Support

/// A small dataset schema and random batches for model tests.
enum Fixture {
    static let schema = DatasetSchema(
        sequenceLength: 6,
        sequenceTokens: [.init(name: "event_type", size: 8), .init(name: "item_id", size: 20), .init(name: "gap", size: 12)],
        sequenceFloats: ["dwell"],
        profile: .init(floatNames: ["age", "orders"], categorical: [.init(name: "device", size: 5)]),
        attributes: .init(floatNames: ["price"], categorical: [.init(name: "category", size: 6), .init(name: "brand", size: 7)]),
        imageSize: 8, anomalyClasses: ["normal", "a", "b"])

    static func batch(size b: Int = 5, seed: UInt64 = 1, lengths: [Int32]? = nil) -> Batch {
        var g = RandomGenerator(seed: seed)
        let l = schema.sequenceLength
        let lengths = lengths ?? (0..<b).map { Int32(1 + $0 % l) }
        var tokens: [String: IndexTensor] = [:]
        for f in schema.sequenceTokens {
            var v = [Int32](repeating: 0, count: b * l)
            for r in 0..<b { for k in 0..<Int(lengths[r]) { v[r * l + k] = Int32(1 + g.nextInt(below: f.size - 1)) } }
            tokens[f.name] = IndexTensor(v, shape: [b, l])
        }
        let padding = Tensor(ones: [b, l])
        for r in 0..<b { for k in 0..<Int(lengths[r]) { padding[r, k] = 0 } }
        func categorical(_ t: DatasetSchema.Tabular) -> IndexTensor {
            IndexTensor((0..<(b * t.categorical.count)).map { Int32(g.nextInt(below: t.categorical[$0 % t.categorical.count].size)) },
                        shape: [b, t.categorical.count])
        }
        return Batch(samples: Array(0..<b), sequenceTokens: tokens,
                     sequenceFloats: Tensor(normal: [b, l, 1], generator: &g), sequencePadding: padding, sequenceLengths: lengths,
                     profileFloats: Tensor(normal: [b, 2], generator: &g), profileCategorical: categorical(schema.profile!),
                     attributeFloats: Tensor(normal: [b, 1], generator: &g), attributeCategorical: categorical(schema.attributes!),
                     images: Tensor(normal: [b, 3, 8, 8], generator: &g), modalityMask: Tensor(ones: [b, 4]),
                     labels: Tensor((0..<b).map { Float($0 % 2) }, shape: [b]), anomalyClasses: (0..<b).map { Int32($0 % 3) })
    }

    /// A validated model section with overrides applied.
    static func modelConfig(_ overrides: [String] = []) throws -> JSONValue {
        // Each override is a layer, as on the command line: a later type switch drops the
        // earlier type's options (the fixture's heads=2 for a cnn sequence encoder, say).
        var notes: [String] = []
        let json = try ConfigLoader.apply(overrides: overrides, to: ["dimension": 16], schema: ModelSchema.section, notes: &notes)
        return try ModelSchema.section.validate(json, path: "model")
    }

    static func model(_ overrides: [String] = [], seed: UInt64 = 3) throws -> MultimodalModel {
        let config = try modelConfig(["encoders.sequence.heads=2", "fusion.heads=2"] + overrides)
        return try MultimodalModel.build(config: config, schema: schema, seed: seed).model
    }
}
