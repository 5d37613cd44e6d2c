import Testing
import Support
import Tensor
import Datasets
import Models
@testable import Lab

/// Scoring runs batch by batch: the tensors it holds at once depend on the batch size, not on
/// how many samples are scored. (A batch's sequence encoder holds its valid events only, so
/// batches of one size differ a little: the bound is the largest of them.)
@Suite(.serialized) struct BatchedScoringTests {
    @Test func scoringMemoryIsBoundedByTheBatch() throws {
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory()), reporter: { _ in })
        let dataset = try runner.dataset(fold: nil)
        let schema = dataset.schema(imageSize: runner.options.images.size)
        let (model, _) = try MultimodalModel.build(config: runner.config["model"]!, schema: schema, seed: 3)
        let images = try ImageStore(dataset: dataset, imageSize: runner.options.images.size, policy: runner.options.images.missingPolicy,
                                    maxPixels: runner.options.images.maxPixels)
        let builder = BatchBuilder(dataset: dataset, images: images)
        let all = dataset.indices(.train) + dataset.indices(.valid) + dataset.indices(.test)
        func peakInUse(scoring samples: [Int], batchSize: Int) throws -> Int {
            let before = BufferPool.shared.statistics.liveBytes
            BufferPool.shared.resetPeaks()
            let scored = try Scorer(model: model, builder: builder, batchSize: batchSize).score(samples)
            #expect(scored.logits.count == samples.count)
            return BufferPool.shared.statistics.peakLiveBytes - before
        }
        // Whole batches only; scoring them all holds at once what the largest of them holds alone.
        let many = Array(all.prefix(all.count / 16 * 16))
        #expect(many.count >= 256)
        // Measured on one thread: two threads' scratch buffers may or may not be live at the same
        // moment, so the peak could differ by a buffer from run to run. And after one unmeasured
        // pass, so that every measurement starts from the pool's cache as a pass leaves it (the
        // suite's earlier tests leave other size classes cached, and a request may take a cached
        // buffer up to twice its size).
        let threads = ComputeThreads.count
        ComputeThreads.set(1)
        defer { ComputeThreads.set(threads) }
        _ = try peakInUse(scoring: many, batchSize: 16)
        let alone = try stride(from: 0, to: many.count, by: 16).map { try peakInUse(scoring: Array(many[$0..<($0 + 16)]), batchSize: 16) }
        let small = alone.max()!, large = try peakInUse(scoring: many, batchSize: 16)
        #expect(alone.min()! > 0)
        #expect(large == small, "scoring \(many.count) samples held \(large) bytes at once, their largest batch alone \(small)")
        // And it does grow with the batch.
        #expect(try peakInUse(scoring: many, batchSize: 64) > 2 * small)
    }
}
