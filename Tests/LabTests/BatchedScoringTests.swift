import Testing
import Support
import Tensor
import Datasets
import Models
@testable import Lab

/// Scoring runs batch by batch so its memory is bounded by the batch; the batch size must not
/// change a single bit of what it computes.
@Suite(.serialized) struct BatchedScoringTests {
    @Test func batchedScoringEqualsWholeSplitScoring() throws {
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory()), reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        let schema = dataset.schema(imageSize: runner.options.images.size)
        let (model, _) = try MultimodalModel.build(config: runner.config["model"]!, schema: schema, seed: 3)
        let images = try ImageStore(dataset: dataset, imageSize: runner.options.images.size, policy: runner.options.images.missingPolicy,
                                    maxPixels: runner.options.images.maxPixels)
        let builder = BatchBuilder(dataset: dataset, images: images)
        let samples = dataset.indices(.valid) + dataset.indices(.test)
        let whole = try Scorer(model: model, builder: builder, batchSize: samples.count).score(samples)
        for batchSize in [1, 7, 64] {
            let batched = try Scorer(model: model, builder: builder, batchSize: batchSize).score(samples)
            #expect(batched.logits == whole.logits, "batch \(batchSize)")
            #expect(batched.modalityWeights == whole.modalityWeights, "batch \(batchSize)")
            #expect(batched.loss == whole.loss, "batch \(batchSize)")
        }
        // The masked scores attribution compares come out the same in batches too.
        let masked = try Scorer(model: model, builder: builder, batchSize: samples.count, masked: [.sequence]).score(samples)
        #expect(try Scorer(model: model, builder: builder, batchSize: 7, masked: [.sequence]).score(samples).logits == masked.logits)
        #expect(masked.logits != whole.logits, "masking the sequence changes the logits")
    }
}
