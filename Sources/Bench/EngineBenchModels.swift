import Tensor
import NN

extension EngineBench {
    /// Attention, Transformer and recurrent layers at the reference sizes: batch 128, length 50,
    /// d 64, 4 heads, FFN 128, hidden 64.
    static func sequenceLayerCases(tokens: Tensor, generator g: inout RandomGenerator) -> [LayerCase] {
        let d = 64
        let attention = MultiHeadAttention(dimension: d, heads: 4, dropout: 0.1, generator: &g)
        let layer = TransformerEncoderLayer(dimension: d, heads: 4, feedForwardSize: 128, dropout: 0.1, generator: &g)
        let gru = GRU(inputSize: d, hiddenSize: d, generator: &g)
        let lstm = LSTM(inputSize: d, hiddenSize: d, generator: &g)
        let shape = "[128,50,64]"
        return [
            LayerCase(name: "MultiHeadAttention", shape: shape + ", 4 heads", module: attention, input: tokens) { attention($0) },
            LayerCase(name: "TransformerEncoderLayer", shape: shape + ", 4 heads, FFN 128", module: layer, input: tokens) { layer($0) },
            LayerCase(name: "GRU", shape: shape + ", hidden 64", module: gru, input: tokens) { gru($0).outputs },
            LayerCase(name: "LSTM", shape: shape + ", hidden 64", module: lstm, input: tokens) { lstm($0).outputs },
        ]
    }

    struct MemorySample { var step: Int; var resident: Int; var live: Int; var cached: Int }

    /// A 2-layer Transformer classifier (embeddings → encoder → mean pool → Linear) trained with
    /// AdamW on random batches; resident memory sampled after 10 and 200 steps.
    static func memoryTrainingRun() -> [MemorySample] {
        var g = RandomGenerator(seed: 3)
        let (batch, length, d) = (128, 50, 64)
        let embedding = Embedding(count: 5000, dimension: d, paddingIndex: 0, generator: &g)
        let encoder = TransformerEncoder(layerCount: 2, dimension: d, heads: 4, feedForwardSize: 128, dropout: 0.1, generator: &g)
        let head = Linear(inputSize: d, outputSize: 1, generator: &g)
        let parameters = ParameterBuffer(parameters: embedding.namedParameters(prefix: "embedding.").map { ($0.name, $0.tensor) }
            + encoder.namedParameters(prefix: "encoder.").map { ($0.name, $0.tensor) }
            + head.namedParameters(prefix: "head.").map { ($0.name, $0.tensor) })
        let optimizer = try! AdamW(parameters: parameters, learningRate: 1e-3)
        let batches = (0..<4).map { _ in
            (IndexTensor((0..<(batch * length)).map { _ in Int32(1 + g.nextInt(below: 4999)) }, shape: [batch, length]),
             Tensor((0..<batch).map { _ in Float(g.nextInt(below: 2)) }, shape: [batch]))
        }
        var samples: [MemorySample] = []
        for step in 1...200 {
            let (ids, labels) = batches[step % batches.count]
            optimizer.zeroGrad()
            let pooled = encoder(embedding(ids)).mean(axis: 1)
            let loss = binaryCrossEntropyWithLogits(head(pooled).reshaped([batch]), labels)
            loss.backward()
            optimizer.step()
            if step == 10 || step == 200 {
                let s = BufferPool.shared.statistics
                samples.append(MemorySample(step: step, resident: residentMemoryBytes(), live: s.liveBytes, cached: s.cachedBytes))
            }
        }
        return samples
    }
}
