import Tensor
import NN

extension EngineBench {
    /// Sequence layers at the reference sizes (filled in as the layers land).
    static func sequenceLayerCases(tokens: Tensor, generator g: inout RandomGenerator) -> [LayerCase] {
        []
    }

    struct MemorySample { var step: Int; var resident: Int; var live: Int; var cached: Int }

    /// Trains a small model and samples resident memory after 10 and 200 steps.
    static func memoryTrainingRun() -> [MemorySample] {
        var g = RandomGenerator(seed: 3)
        let model = MLP(inputSize: 64, hiddenSizes: [128, 128], outputSize: 1, dropout: 0.1, generator: &g)
        let x = Tensor(normal: [128 * 50, 64], generator: &g)
        let y = Tensor(normal: [128 * 50, 1], generator: &g)
        let params = model.namedParameters().map(\.tensor)
        var samples: [MemorySample] = []
        for step in 1...200 {
            model.zeroGrad()
            let loss = (model(x) - y).square().mean()
            loss.backward()
            for p in params { if let gr = p.grad { for i in 0..<p.count { p.pointer[i] -= 1e-3 * gr.pointer[i] } } }
            if step == 10 || step == 200 {
                let s = BufferPool.shared.statistics
                samples.append(MemorySample(step: step, resident: residentMemoryBytes(), live: s.liveBytes, cached: s.cachedBytes))
            }
        }
        return samples
    }
}
