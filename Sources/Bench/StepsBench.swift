import Foundation
import Tensor
import NN
import Datasets
import Models

/// `fusionlab bench steps`: a fixed number of untimed training steps of the reference model (or one
/// encoder alone), for profilers (`valgrind --tool=callgrind`, `perf record`), whose instruction
/// counts do not depend on machine load as timings do.
public enum StepsBench {
    /// What can be trained: the full model or one encoder alone.
    public static var parts: [String] { ["full"] + Modality.allCases.map(\.rawValue) }

    /// `part` is one of `parts`. With `inference`, each step is an eval-mode forward pass under
    /// `withoutGradients` (what scoring does) instead of a training step.
    public static func run(part: String, batchSize: Int, warmup: Int, steps: Int, threads: Int?, inference: Bool = false) throws {
        if let threads { ComputeThreads.set(threads) }
        var g = RandomGenerator(seed: 7)
        let batches = (0..<2).map { _ in ReferenceArchitecture.batch(size: batchSize, generator: &g) }
        let module: any Module
        let forward: (Batch) -> Tensor
        if let modality = Modality(rawValue: part) {
            let options = ModelOptions(section: try ReferenceArchitecture.validatedConfig())
            let context = EncoderContext(schema: ReferenceArchitecture.schema, dimension: ReferenceArchitecture.dimension)
            let encoder = try EncoderRegistry.build(modality, options: options, context: context, generator: &g)
            let head = Linear(inputSize: ReferenceArchitecture.dimension, outputSize: 1, generator: &g)
            module = ModuleGroup([("encoder", encoder), ("out", head)])
            let b = batchSize
            forward = { head(encoder($0).embedding).reshaped([b]) }
        } else {
            let model = try ReferenceArchitecture.model(seed: 1)
            module = model
            forward = { model($0).logit }
        }
        let optimizer = try AdamW(parameters: ParameterBuffer(module: module), learningRate: 1e-3)
        module.train(!inference)
        var lastLoss: Float = 0
        func step(_ i: Int) {
            let batch = batches[i % batches.count]
            if inference {
                lastLoss = withoutGradients { binaryCrossEntropyWithLogits(forward(batch), batch.labels).item }
                return
            }
            optimizer.zeroGrad()
            let loss = binaryCrossEntropyWithLogits(forward(batch), batch.labels)
            lastLoss = loss.item
            loss.backward()
            optimizer.step()
        }
        for i in 0..<warmup { step(i) }
        let before = BufferPool.shared.statistics
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<steps { step(warmup + i) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let after = BufferPool.shared.statistics
        print("part \(part), batch \(batchSize), \(steps) \(inference ? "inference" : "training") steps after \(warmup) warm-up: last loss \(lastLoss), "
              + String(format: "%.1f ms/step", 1000 * seconds / Double(max(steps, 1))))
        print("buffer pool: live \(before.liveBytes >> 10) → \(after.liveBytes >> 10) KiB, cached \(before.cachedBytes >> 10) → \(after.cachedBytes >> 10) KiB, "
              + "peak \(before.peakLiveBytes >> 10) → \(after.peakLiveBytes >> 10) KiB")
    }
}
