import Foundation
import Testing
import Tensor
import NN
import Datasets
import Models

/// A whole model saved as safetensors and loaded into a fresh model built with another seed
/// scores exactly as the original.
@Suite struct CheckpointRoundTripTests {
    static let configurations: [[String]] = [
        ["fusion.type=attention"],
        ["fusion.type=attention", "fusion.conditioned_query=true", "encoders.sequence.pooling=attention", "anomaly_type_head.enabled=true"],
        ["fusion.type=gated"],
        ["fusion.type=gated", "encoders.sequence.type=cnn"],
        ["fusion.type=concat", "encoders.sequence.type=gru", "encoders.sequence.bidirectional=true", "encoders.sequence.pooling=attention"],
        ["fusion.type=late", "encoders.sequence.type=lstm", "encoders.sequence.layers=2", "encoders.image.residual=true"],
        ["fusion.type=attention", "encoders.sequence.type=mean"],
    ]

    @Test(arguments: configurations)
    func savedModelLoadsIntoAFreshModelWithIdenticalScores(overrides: [String]) throws {
        let source = try Fixture.model(overrides, seed: 3)
        try trainBriefly(source)
        source.eval()
        let batch = Fixture.batch(size: 6, seed: 2)
        let expected = withoutGradients { source(batch) }

        try withTemporaryFile { path in
            try source.save(to: path, metadata: ["kind": "test"])
            // Every parameter is in the file under its path, and nothing else.
            let stored = try Safetensors.read(path).tensors
            #expect(Set(stored.keys) == Set(source.namedParameters().map(\.name)))

            let target = try Fixture.model(overrides, seed: 11)
            target.eval()
            // Another seed scores differently before loading, so the comparison below means something.
            #expect(withoutGradients { target(batch) }.logit.scalars != expected.logit.scalars)
            // Packed before loading: the load must copy into the buffer's storages.
            let buffer = ParameterBuffer(module: target)
            #expect(try target.load(from: path) == ["kind": "test"])
            let actual = withoutGradients { target(batch) }

            #expect(actual.logit.scalars == expected.logit.scalars)
            #expect(actual.modalityWeights?.scalars == expected.modalityWeights?.scalars)
            #expect(actual.eventWeights?.scalars == expected.eventWeights?.scalars)
            #expect(actual.anomalyTypeLogits?.scalars == expected.anomalyTypeLogits?.scalars)
            for m in Modality.allCases { #expect(actual.embeddings[m]?.scalars == expected.embeddings[m]?.scalars) }
            #expect(source.namedParameters().map(\.name) == target.namedParameters().map(\.name) && !source.namedParameters().isEmpty)
            for ((name, a), (_, b)) in zip(source.namedParameters(), target.namedParameters()) {
                #expect(a.scalars == b.scalars, "\(name)")
            }
            for entry in buffer.entries {
                #expect(Array(buffer.values.buffer[entry.range]) == entry.tensor.scalars, "\(entry.name) is not in the buffer")
            }
        }
    }

    @Test func aCheckpointOfAnotherArchitectureIsRejectedAndChangesNothing() throws {
        let gated = try Fixture.model(["fusion.type=gated"])
        let attention = try Fixture.model(["fusion.type=attention"], seed: 5)
        let before = attention.namedParameters().map(\.tensor.scalars)
        try withTemporaryFile { path in
            try gated.save(to: path)
            #expect(throws: CheckpointError.self) { try attention.load(from: path) }
        }
        #expect(attention.namedParameters().map(\.tensor.scalars) == before)
    }

    /// A few AdamW steps, so the saved values are not the initial ones.
    private func trainBriefly(_ model: MultimodalModel) throws {
        let optimizer = try AdamW(parameters: ParameterBuffer(module: model), learningRate: 1e-2)
        for seed in 1...3 {
            let batch = Fixture.batch(size: 5, seed: UInt64(10 + seed))
            optimizer.zeroGrad()
            binaryCrossEntropyWithLogits(model(batch).logit, batch.labels).backward()
            optimizer.step()
        }
    }
}

func withTemporaryFile(_ body: (String) throws -> Void) throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fusionlab-models-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try body(url.path)
}
