import Testing
import Tensor
import NN
import Datasets
import Support
@testable import Models
import TestSupport

@Suite struct ModelShapeTests {
    static let sequenceTypes = ["transformer", "gru", "lstm", "cnn", "mean"]
    static let fusionTypes = FusionRegistry.all.map(\.name)

    @Test(arguments: sequenceTypes, fusionTypes)
    func everyEncoderWithEveryFusion(sequence: String, fusion: String) throws {
        let model = try Fixture.model(["encoders.sequence.type=\(sequence)", "fusion.type=\(fusion)"])
        model.eval()
        var batch = Fixture.batch()
        let out = model(batch)
        #expect(out.logit.shape == [5])
        #expect(out.logit.scalars.allSatisfy { $0.isFinite })
        for m in Modality.allCases { #expect(out.embeddings[m]?.shape == [5, 16]) }
        if fusion != "concat" { #expect(out.modalityWeights?.shape == [5, 4]) }
        // With masks: images missing for some rows, profile for all.
        for r in [0, 2] { batch.modalityMask[r, Modality.image.index] = 0 }
        batch.mask(.profile)
        let masked = model(batch)
        #expect(masked.logit.scalars.allSatisfy { $0.isFinite })
        if let w = masked.modalityWeights {
            for r in 0..<5 { #expect(w[r, Modality.profile.index] == 0) }
            for r in [0, 2] { #expect(w[r, Modality.image.index] == 0) }
        }
    }

    @Test func recurrentAndTransformerPoolingOptions() throws {
        for o in [["encoders.sequence.pooling=cls"], ["encoders.sequence.pooling=attention"],
                  ["encoders.sequence.type=gru", "encoders.sequence.bidirectional=true", "encoders.sequence.pooling=attention"],
                  ["encoders.sequence.type=lstm", "encoders.sequence.layers=2"], ["encoders.image.residual=true"],
                  ["fusion.conditioned_query=true"], ["anomaly_type_head.enabled=true"]] {
            let model = try Fixture.model(o)
            model.eval()
            let out = model(Fixture.batch())
            #expect(out.logit.shape == [5], "\(o)")
            if o.contains("encoders.sequence.pooling=attention") {
                let w = try #require(out.eventWeights)
                #expect(w.shape == [5, 6])
                // Weights sum to one over each row's valid events and are exactly zero on padding
                // (the fixture's rows hold 1…5 of 6 events).
                for r in 0..<5 {
                    let length = r + 1
                    let total = (0..<length).reduce(Float(0)) { $0 + w[r, $1] }
                    #expect(Swift.abs(total - 1) < 1e-5, "row \(r): weights over its \(length) events sum to \(total)")
                    #expect((length..<6).allSatisfy { w[r, $0] == 0 }, "row \(r): weight on padding")
                }
            }
            if o == ["anomaly_type_head.enabled=true"] { #expect(out.anomalyTypeLogits?.shape == [5, 3]) }
        }
    }

    @Test func parameterNamesAreStablePaths() throws {
        let names = try Fixture.model().namedParameters().map(\.name)
        #expect(names.contains("encoders.sequence.encoder.layers.0.attention.q_proj.weight"))
        #expect(names.contains("encoders.sequence.embedding.fields.item_id.weight"))
        #expect(names.contains("encoders.profile.embeddings.device.weight"))
        #expect(names.contains("encoders.image.stages.0.weight"))
        #expect(names.contains("fusion.type_embedding"))
        #expect(Set(names).count == names.count)
    }

    @Test func unknownEncoderOrFusionIsAConfigError() throws {
        func error(_ body: () throws -> Void) -> ConfigError? {
            do { try body(); return nil } catch let e as ConfigError { return e } catch { Issue.record("not a ConfigError: \(error)"); return nil }
        }
        let fusion = error { _ = try Fixture.modelConfig(["fusion.type=attn"]) }
        #expect(fusion?.path == "model.fusion.type" && fusion?.message.hasPrefix("\"attn\" is not one of attention,") == true, "\(String(describing: fusion))")
        let encoder = error { _ = try Fixture.modelConfig(["encoders.sequence.type=rnn"]) }
        #expect(encoder?.path == "model.encoders.sequence.type" && encoder?.message.hasPrefix("\"rnn\" is not one of ") == true,
                "\(String(describing: encoder))")
        #expect(throws: ConfigError(path: "model.encoders.sequence.heads", message: "3 heads do not divide model.dimension 16")) {
            try Fixture.model(["encoders.sequence.heads=3"])
        }
    }
}

@Suite struct ModelGradientTests {
    @Test(arguments: ModelShapeTests.fusionTypes)
    func gradientReachesEveryParameter(fusion: String) throws {
        let model = try Fixture.model(["fusion.type=\(fusion)", "encoders.sequence.pooling=attention"])
        let out = model(Fixture.batch())
        out.logit.sum().backward()
        for (name, p) in model.namedParameters() {
            let g = try #require(p.grad, "no gradient for \(name)")
            // Padding rows of embeddings get none by design; every tensor as a whole gets some.
            #expect(g.scalars.contains { $0 != 0 }, "zero gradient for \(name)")
        }
    }

    @Test(arguments: ModelShapeTests.fusionTypes)
    func aMaskedModalityGetsZeroWeightAndZeroGradient(fusion: String) throws {
        let model = try Fixture.model(["fusion.type=\(fusion)", "encoders.image.residual=false"])
        model.eval()
        var batch = Fixture.batch()
        // Rows 1 and 3 lack images; the encoder still runs for the others.
        for r in [1, 3] { batch.modalityMask[r, Modality.image.index] = 0 }
        let out = model(batch)
        if let w = out.modalityWeights { #expect(w[1, 3] == 0 && w[3, 3] == 0) }
        // The image embeddings of masked rows get exactly zero gradient.
        let image = out.embeddings[.image]!
        image.retainGrad()
        out.logit.sum().backward()
        let g = try #require(image.grad)
        for k in 0..<16 { #expect(g[1, k] == 0 && g[3, k] == 0) }
        #expect((0..<16).contains { g[0, $0] != 0 })
        // Masked for the whole batch: the encoder's parameters get no gradient at all.
        model.zeroGrad()
        batch.mask(.image)
        model(batch).logit.sum().backward()
        for (name, p) in model.namedParameters() where name.hasPrefix("encoders.image.") {
            #expect(p.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true, "\(name)")
        }
    }

    @Test(arguments: ["gated", "late", "conditioned"])
    func finiteDifferencesThroughEachFusion(fusion: String) throws {
        let model = try Fixture.model(["fusion.type=\(fusion)", "dimension=8", "encoders.sequence.heads=2", "fusion.hidden=[8]"])
        model.eval()
        let batch = Fixture.batch(size: 3)
        try checkGradients(of: model, epsilon: 1e-4, tolerance: 2e-2, absoluteTolerance: 2e-3, maxElementsPerInput: 10) { model(batch).logit }
    }

    @Test func finiteDifferencesThroughTheWholeModel() throws {
        for sequence in ["transformer", "gru", "cnn"] {
            // Each type with its own options (one given for another type is an error).
            let own = ["transformer": ["encoders.sequence.heads=2"], "gru": ["encoders.sequence.hidden=6"]][sequence] ?? []
            let model = try Fixture.model(["encoders.sequence.type=\(sequence)", "dimension=8"] + own + ["fusion.hidden=[8]"])
            model.eval()
            let batch = Fixture.batch(size: 3)
            // Layers are checked element by element in NNTests; here 10 elements of each parameter tensor
            // (half spread, half its largest gradients), each tensor judged against its own norm.
            // ε = 1e-4: a ReLU unit of the small head can sit within 1e-3 of its kink (seen with ε = 1e-2
            // and 1e-3); the price is Float32 round-off of about 1e-3 in each numeric derivative, the
            // absolute floor of 2e-3.
            try checkGradients(of: model, epsilon: 1e-4, tolerance: 2e-2, absoluteTolerance: 2e-3, maxElementsPerInput: 10) { model(batch).logit }
        }
    }
}
