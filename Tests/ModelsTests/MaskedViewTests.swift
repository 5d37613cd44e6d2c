import Testing
import Tensor
import Datasets
import Models
import Support

/// Attribution's views computed from a batch's stored embeddings give the logits of scoring the
/// batch again with the view's mask: the encoders' outputs for masked modalities never reach the
/// logit, so running them again changes nothing.
@Suite struct MaskedViewTests {
    /// The logits of `batch` scored again with `view` applied to its masks.
    static func rescored(_ model: MultimodalModel, _ batch: Batch, _ view: MaskedView) -> [Float] {
        var b = batch
        switch view {
        case let .modality(m): b.mask(m)
        case .withoutSurprises: b.extraPresent = b.extraPresent.map { Tensor(zeros: $0.shape) }
        }
        return withoutGradients { model(b).logit.scalars }
    }

    static func expectViewsMatch(_ model: MultimodalModel, _ batch: Batch, views: [MaskedView]) {
        model.eval()
        let out = withoutGradients { model(batch) }
        let logits = withoutGradients { model.viewLogits(out, batch: batch, views: views) }
        #expect(logits.shape == [views.count, batch.size])
        for (k, view) in views.enumerated() {
            let want = rescored(model, batch, view)
            let got = (0..<batch.size).map { logits.pointer[k * batch.size + $0] }
            #expect(zip(got, want).allSatisfy { Swift.abs($0 - $1) <= 1e-5 * Swift.max(1, Swift.abs($1)) }, "\(view): \(got) vs \(want)")
            // Masking must matter, or the comparison proves nothing.
            #expect(zip(got, out.logit.scalars).contains { $0 != $1 }, "\(view) left every logit as it was")
        }
    }

    @Test(arguments: ["attention", "concat", "gated", "conditioned", "late"])
    func everyFusionGivesTheRescoredLogits(fusion: String) throws {
        let model = try Fixture.model(["fusion.type=\(fusion)"])
        let batch = Fixture.batch(size: 6, seed: 9)
        batch.modalityMask[2, Modality.image.index] = 0          // a sample already missing one
        Self.expectViewsMatch(model, batch, views: model.modalities.map { .modality($0) })
    }

    @Test(arguments: ["add", "mlp", "or"])
    func withheldEvidenceGivesTheRescoredLogits(combine: String) throws {
        let model = try MultimodalModel.build(config: try ConsistencyHeadTests.config(ConsistencyHeadTests.plantedHeads,
                                                                                      ["consistency.evidence_combine=\(combine)"]),
                                              schema: ConsistencyHeadTests.schema, seed: 2).model
        var g = RandomGenerator(seed: 4)
        var batch = ConsistencyHeadTests.plantedBatch(size: 5, generator: &g)
        batch.extraFeatures = Tensor(normal: [5, 3], generator: &g)
        batch.extraPresent = Tensor(ones: [5, 3])
        batch.extraPresent![1, 2] = 0
        Self.expectViewsMatch(model, batch, views: model.modalities.map { .modality($0) } + [.withoutSurprises])
    }
}
