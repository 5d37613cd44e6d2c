import Foundation
import Tensor
import NN
import Datasets
import Support

/// Does this modality belong with that one — this picture with these attributes? Two encoders
/// (from `model.encoders`) and linear projections into a shared space, trained with symmetric
/// InfoNCE over in-batch negatives (`infoNCELoss`), no anomaly label. A sample's surprise is the
/// negative log-probability of its own pair against a fixed set of reference samples' second
/// modality (`score`): a fixed set rather than the scoring batch, so a score does not depend on
/// which samples share its batch.
public final class CrossModalAlignment: Module {
    public let first: Modality, second: Modality
    public let firstEncoder: any ModalityEncoder, secondEncoder: any ModalityEncoder
    public let firstProjection: Linear, secondProjection: Linear
    public let temperature: Float

    public init(_ first: Modality, _ second: Modality, model options: ModelOptions, schema: DatasetSchema, projection: Int = 32,
                temperature: Float = 0.1, seed: UInt64) throws(ConfigError) {
        var g = RandomGenerator(seed: seed)
        let context = EncoderContext(schema: schema, dimension: options.dimension)
        self.first = first; self.second = second
        firstEncoder = try EncoderRegistry.build(first, options: options, context: context, generator: &g)
        secondEncoder = try EncoderRegistry.build(second, options: options, context: context, generator: &g)
        firstProjection = Linear(inputSize: firstEncoder.outputSize, outputSize: projection, generator: &g)
        secondProjection = Linear(inputSize: secondEncoder.outputSize, outputSize: projection, generator: &g)
        self.temperature = temperature
    }

    public var children: [(String, any Module)] {
        [("encoders.\(first.rawValue)", firstEncoder), ("encoders.\(second.rawValue)", secondEncoder),
         ("projections.\(first.rawValue)", firstProjection), ("projections.\(second.rawValue)", secondProjection)]
    }

    /// The two projected embeddings of a batch, `[B, projection]` each.
    public func callAsFunction(_ batch: Batch) -> (Tensor, Tensor) {
        (firstProjection(firstEncoder(batch).embedding), secondProjection(secondEncoder(batch).embedding))
    }

    /// The samples of `samples` that have both modalities (pairs need both).
    public func paired(_ samples: [Int], builder: BatchBuilder) throws -> [Int] {
        let all = Modality.allCases.count
        var out: [Int] = []
        for start in stride(from: 0, to: samples.count, by: 512) {
            let batch = try builder.batch(Array(samples[start..<min(start + 512, samples.count)]))
            let mask = batch.modalityMask.pointer
            for (r, i) in batch.samples.enumerated() where mask[r * all + first.index] != 0 && mask[r * all + second.index] != 0 { out.append(i) }
        }
        return out
    }

    /// AdamW on InfoNCE over shuffled batches of `samples` (each with both modalities).
    public func fit(_ samples: [Int], builder: BatchBuilder, epochs: Int, batchSize: Int, learningRate: Float, seed: UInt64) throws {
        let parameters = ParameterBuffer(module: self)
        let optimizer = try AdamW(parameters: parameters, learningRate: learningRate, weightDecay: 0.01)
        var g = RandomGenerator(seed: seed ^ 0xA11C_0DE)
        for epoch in 0..<epochs {
            train(true)
            reseedRandomness(seed &+ UInt64(epoch))
            var order = samples
            order.shuffle(using: &g)
            // A batch of one has no negative to learn from.
            for start in stride(from: 0, to: order.count, by: batchSize) where min(start + batchSize, order.count) - start > 1 {
                let (a, b) = self(try builder.batch(Array(order[start..<min(start + batchSize, order.count)])))
                let loss = infoNCELoss(a, b, temperature: temperature)
                optimizer.zeroGrad()
                loss.backward()
                _ = clipGradientNorm(parameters, maxNorm: 1)
                optimizer.step()
            }
        }
        train(false)
    }

    /// −log p(own pair) for each of `samples`: the softmax over its own second modality and those
    /// of `reference` (its own row left out of the reference when it is one of them).
    public func score(_ samples: [Int], reference: [Int], builder: BatchBuilder) throws -> [Float] {
        try withoutGradients {
            let references = l2NormalizedRows(self(try builder.batch(reference)).1)
            var out: [Float] = []
            for start in stride(from: 0, to: samples.count, by: 256) {
                let rows = Array(samples[start..<min(start + 256, samples.count)])
                let (a, b) = self(try builder.batch(rows))
                let na = l2NormalizedRows(a), nb = l2NormalizedRows(b)
                let own = (na * nb).sum(axis: 1), others = matmul(na, references, transposeB: true)
                let d = reference.count, scale = 1 / temperature
                for (r, i) in rows.enumerated() {
                    let positive = own.pointer[r] * scale
                    var largest = positive
                    for k in 0..<d where reference[k] != i { largest = max(largest, others.pointer[r * d + k] * scale) }
                    var total = expf(positive - largest)
                    for k in 0..<d where reference[k] != i { total += expf(others.pointer[r * d + k] * scale - largest) }
                    out.append(largest + logf(total) - positive)
                }
            }
            return out
        }
    }
}
