import Foundation
import Testing
import Tensor
import NN
import Datasets
import Models
import Support
import TestSupport

/// Consistency heads: each learns its planted cross-modal relation, is skipped (and passes no
/// gradient) where a modality it needs is masked, and refuses configs that would leak.
@Suite struct ConsistencyHeadTests {
    /// Fixture schema plus price quantiles (so `attributes.price` can be a bucketed target).
    static let schema: DatasetSchema = {
        var s = Fixture.schema
        s.attributes!.quantileEdges = [[-1, -0.3, 0.3, 1]]
        return s
    }()

    static func config(_ heads: String, _ extra: [String] = []) throws -> JSONValue {
        try Fixture.modelConfig(["encoders.sequence.heads=2", "fusion.heads=2", "consistency.heads=\(heads)"] + extra)
    }

    /// A batch whose fields obey planted relations: the image's first channel encodes the
    /// category, the last event's type equals the profile's device, the price bucket follows the brand.
    static func plantedBatch(size b: Int, generator g: inout RandomGenerator, broken: Bool = false) -> Batch {
        var batch = Fixture.batch(size: b, seed: g.next())
        let l = schema.sequenceLength
        var attributes = [Int32](repeating: 0, count: b * 2), profile = [Int32](repeating: 0, count: b)
        let prices = Tensor(zeros: [b, 1]), images = Tensor(zeros: [b, 3, 8, 8])
        var events = batch.sequenceTokens["event_type"]!.values
        for r in 0..<b {
            let category = Int32(3 + g.nextInt(below: 3)), brand = Int32(3 + g.nextInt(below: 4)), device = Int32(3 + g.nextInt(below: 2))
            attributes[r * 2] = category
            attributes[r * 2 + 1] = brand
            profile[r] = device
            let shown = broken ? 3 + (category - 3 + 1) % 3 : category
            for p in 0..<64 { images.pointer[r * 192 + p] = Float(shown - 4) + 0.1 * Float(g.nextNormal()) }
            prices.pointer[r] = [-2, -0.6, 0, 0.6, 2][Int(brand) - 3 + (broken ? 1 : 0)]
            let n = Int(batch.sequenceLengths[r])
            events[r * l + n - 1] = broken ? 7 - device : device
        }
        batch.attributeCategorical = IndexTensor(attributes, shape: [b, 2])
        batch.profileCategorical = IndexTensor(profile, shape: [b, 1])
        batch.attributeFloats = prices
        batch.images = images
        batch.sequenceTokens["event_type"] = IndexTensor(events, shape: [b, l])
        return batch
    }

    static let plantedHeads = """
    {"image_category": {"from": "image", "predict": "attributes.category"},
     "price_given_brand": {"from": "attributes.brand", "predict": "attributes.price"},
     "event_given_profile": {"from": "profile", "predict": "sequence.last.event_type"}}
    """

    @Test func eachHeadLearnsItsPlantedRelationAndIsSurprisedWhenItBreaks() throws {
        let config = try Self.config(Self.plantedHeads)
        let options = ModelOptions(section: config)
        let specs = try ConsistencyHeadSpec.parseAll(options.consistency.heads, schema: Self.schema)
        #expect(specs.map(\.name) == ["image_category", "price_given_brand", "event_given_profile"])
        let model = try ConsistencyModel(specs: specs, model: options, headHidden: options.consistency.hidden,
                                         headDropout: Float(options.consistency.dropout), schema: Self.schema, seed: 5)
        #expect(model.modalities == [.profile, .image])
        let parameters = ParameterBuffer(module: model)
        let optimizer = try AdamW(parameters: parameters, learningRate: 1e-2)
        var g = RandomGenerator(seed: 9)
        var test = RandomGenerator(seed: 99)
        let heldOut = Self.plantedBatch(size: 64, generator: &test)
        var broken = RandomGenerator(seed: 99)
        let mismatched = Self.plantedBatch(size: 64, generator: &broken, broken: true)
        func lossPerHead(_ batch: Batch) -> [Float] {
            model.eval(); defer { model.train(true) }
            return withoutGradients { model(batch).heads.map { $0!.loss.item } }
        }
        let before = lossPerHead(heldOut)
        for _ in 0..<150 {
            let batch = Self.plantedBatch(size: 32, generator: &g)
            optimizer.zeroGrad()
            model(batch).loss!.backward()
            optimizer.step()
        }
        let after = lossPerHead(heldOut), surprised = lossPerHead(mismatched)
        for (k, spec) in specs.enumerated() {
            #expect(after[k] < 0.25 * before[k], "\(spec.name): held-out loss \(before[k]) → \(after[k])")
            #expect(surprised[k] > after[k] + 1, "\(spec.name): broken rows surprise \(surprised[k]) vs \(after[k])")
        }
    }

    @Test func aMaskedRowIsNotJudgedAndGetsNoGradient() throws {
        let specs = try ConsistencyHeadSpec.parseAll(ModelOptions(section: try Self.config(Self.plantedHeads)).consistency.heads, schema: Self.schema)
        var g = RandomGenerator(seed: 1)
        let head = ConsistencyHead(spec: specs[0], embeddingSize: 16, hidden: [8], dropout: 0, generator: &g)
        var batch = Self.plantedBatch(size: 4, generator: &g)
        let mask = Tensor(ones: [4, 4])
        mask[1, Modality.image.index] = 0
        mask[2, Modality.attributes.index] = 0   // the target's modality masked: nothing to compare with
        batch.modalityMask = mask
        let embedding = Tensor(normal: [4, 16], generator: &g, requiresGrad: true)
        let out = try #require(head([.image: embedding], batch: batch, mask: mask))
        #expect(out.judged == [true, false, false, true])
        #expect(out.surprise[1] == 0 && out.surprise[2] == 0 && out.surprise[0] > 0)
        out.loss.backward()
        let grad = try #require(embedding.grad)
        for k in 0..<16 { #expect(grad[1, k] == 0 && grad[2, k] == 0) }
        #expect((0..<16).contains { grad[0, $0] != 0 })
        // Nobody judged: the head computes nothing.
        let none = Tensor(ones: [4, 4])
        for r in 0..<4 { none[r, Modality.image.index] = 0 }
        #expect(head([.image: embedding], batch: batch, mask: none) == nil)
    }

    @Test func jointHeadsOfAWhollyMaskedModalityAreSkippedWithNoEncoderGradient() throws {
        let model = try MultimodalModel.build(config: try Self.config(Self.plantedHeads, ["consistency.joint_weight=0.5", "consistency.surprise_input=false"]),
                                              schema: Self.schema, seed: 2).model
        #expect(model.consistencyHeads.count == 3 && model.consistencyEvidence == nil)
        var g = RandomGenerator(seed: 4)
        var batch = Self.plantedBatch(size: 6, generator: &g)
        let full = model(batch)
        #expect(Set(full.consistency.keys) == ["image_category", "price_given_brand", "event_given_profile"])
        batch.mask(.image)
        model.zeroGrad()
        let out = model(batch)
        #expect(out.consistency["image_category"] == nil && out.consistency["price_given_brand"] != nil)
        (out.logit.sum() + out.consistencyLoss!).backward()
        for (name, p) in model.namedParameters() where name.hasPrefix("encoders.image.") || name.hasPrefix("consistency.heads.image_category.") {
            #expect(p.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true, "\(name)")
        }
        #expect(model.namedParameters().contains { $0.name.hasPrefix("consistency.heads.event_given_profile.") && ($0.tensor.grad?.scalars.contains { $0 != 0 } ?? false) })
    }

    @Test func evidenceSkipsTheHeadsOfAMaskedModality() throws {
        let model = try MultimodalModel.build(config: try Self.config(Self.plantedHeads), schema: Self.schema, seed: 2).model
        model.eval()
        let evidence = try #require(model.consistencyEvidence)
        var g = RandomGenerator(seed: 4)
        var batch = Self.plantedBatch(size: 5, generator: &g)
        batch.extraFeatures = Tensor(normal: [5, 3], generator: &g)
        batch.extraPresent = Tensor(ones: [5, 3])
        var noImage = Tensor(ones: [5, 4])
        for r in 0..<5 { noImage[r, Modality.image.index] = 0 }
        let skipped = withoutGradients { evidence(batch, mask: noImage).scalars }
        // Same as if the image head had judged nothing.
        let absent = Tensor(ones: [5, 3])
        for r in 0..<5 { absent[r, 0] = 0 }
        batch.extraPresent = absent
        noImage = Tensor(ones: [5, 4])
        let expected = withoutGradients { evidence(batch, mask: noImage).scalars }
        #expect(skipped == expected)
        // And the evidence is part of the logit.
        batch.extraPresent = Tensor(ones: [5, 3])
        let out = withoutGradients { model(batch) }
        let contribution = try #require(out.consistencyLogit)
        #expect(contribution.scalars.contains { $0 != 0 })
    }

    @Test func noisyOrIsTheProbabilityThatEitherPartFlags() {
        let a = Tensor([-4, -1, 0, 3, 20, -30], shape: [6]), b = Tensor([-2, 2, 0, -5, -20, -30], shape: [6])
        let combined = ConsistencyEvidence.noisyOr(a, b)
        func sigmoid(_ x: Float) -> Double { 1 / (1 + Foundation.exp(-Double(x))) }
        for i in 0..<6 {
            let want = 1 - (1 - sigmoid(a.pointer[i])) * (1 - sigmoid(b.pointer[i]))
            #expect(Swift.abs(sigmoid(combined.pointer[i]) - want) < 1e-6 * Swift.max(want, 1e-6) + 1e-7)
        }
        #expect(combined.pointer[3] >= 3, "a confident part is never talked down")
    }

    @Test(arguments: ["add", "mlp", "or"])
    func finiteDifferencesThroughHeadsAndEvidence(combine: String) throws {
        let model = try MultimodalModel.build(config: try Self.config(Self.plantedHeads, ["dimension=8", "encoders.sequence.heads=2", "fusion.heads=2",
                                                                                          "consistency.joint_weight=1", "consistency.hidden=[6]",
                                                                                          "consistency.dropout=0", "fusion.hidden=[8]",
                                                                                          "consistency.evidence_combine=\(combine)"]),
                                              schema: Self.schema, seed: 3).model
        model.eval()
        var g = RandomGenerator(seed: 8)
        var batch = Self.plantedBatch(size: 3, generator: &g)
        batch.extraFeatures = Tensor(normal: [3, 3], generator: &g)
        batch.extraPresent = Tensor(ones: [3, 3])
        // Each parameter tensor against its own norm. The absolute floor is the numeric derivative's
        // round-off: the noisy-OR logits reach about 4, whose Float32 ulp (4.8e-7) over 2ε is 2.4e-3.
        try checkGradients(of: model, epsilon: 1e-4, tolerance: 2e-2, absoluteTolerance: 5e-3, maxElementsPerInput: 10) {
            let out = model(batch)
            return out.logit.sum() + out.consistencyLoss!
        }
    }

    @Test func configsThatWouldLeakOrNameNothingAreErrorsWithPaths() throws {
        func error(_ heads: String) -> String {
            do { _ = try ConsistencyHeadSpec.parseAll(ModelOptions(section: try Self.config(heads)).consistency.heads, schema: Self.schema); return "" }
            catch { return "\(error)" }
        }
        #expect(error(#"{"h": {"from": "attributes", "predict": "attributes.brand"}}"#).contains("model.consistency.heads.h.from[0]"))
        #expect(error(#"{"h": {"from": "attributes", "predict": "attributes.brand"}}"#).contains("would see the answer"))
        #expect(error(#"{"h": {"from": "image", "predict": "attributes.colour"}}"#).contains("category, brand, price"))
        #expect(error(#"{"h": {"from": "image", "predict": "sequence.last.colour"}}"#).contains("event_type, item_id, gap"))
        #expect(error(#"{"h": {"from": "attributes.brand", "predict": "attributes.brand"}}"#).contains("its own target"))
        #expect(error(#"{"h": {"from": "pictures", "predict": "attributes.brand"}}"#).contains("sequence, profile, attributes, image"))
        #expect(error(#"{"h": {"from": "image", "predict": "attributes.brand", "enabled": false}}"#) == "")
    }
    /// items.csv columns joined to events are fields named `item.<column>`: the target's field
    /// is everything after `sequence.last.`, dot included.
    @Test func aJoinedItemFieldIsATarget() throws {
        var schema = Self.schema
        schema.sequenceTokens.append(.init(name: "item.brand", size: 6))
        let heads = ModelOptions(section: try Self.config(#"{"h": {"from": "profile", "predict": "sequence.last.item.brand"}}"#)).consistency.heads
        let specs = try ConsistencyHeadSpec.parseAll(heads, schema: schema)
        #expect(specs.map(\.target.path) == ["sequence.last.item.brand"])
        #expect(specs.first?.target.classes == 6)
    }
}

