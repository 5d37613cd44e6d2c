import Testing
import Tensor
import NN
import TestSupport

/// Embedding, a norm and a linear layer: decayed and non-decayed parameters interleaved in
/// `namedParameters` order.
private final class Mixed: Module {
    let embedding: Embedding
    let norm: LayerNorm
    let head: Linear
    init(generator: inout RandomGenerator) {
        embedding = Embedding(count: 6, dimension: 4, generator: &generator)
        norm = LayerNorm(dimension: 4)
        head = Linear(inputSize: 4, outputSize: 3, generator: &generator)
    }
    var children: [(String, any Module)] { [("embedding", embedding), ("norm", norm), ("head", head)] }
    func callAsFunction(_ ids: IndexTensor) -> Tensor { head(norm(embedding(ids))) }
}

@Suite struct ParameterBufferTests {
    @Test func packsDecayedParametersFirstAndKeepsValues() {
        var g = RandomGenerator(seed: 1)
        let model = Mixed(generator: &g)
        let before = model.namedParameters().map { ($0.name, $0.tensor.scalars) }
        let buffer = ParameterBuffer(module: model)

        #expect(buffer.entries.map(\.name) == ["embedding.weight", "head.weight", "norm.weight", "norm.bias", "head.bias"])
        #expect(buffer.decayRange == 0..<(24 + 12))
        #expect(buffer.noDecayRange == 36..<(36 + 4 + 4 + 3))
        #expect(buffer.count == model.parameterCount)
        // namedParameters order (checkpoint order) is untouched, values preserved.
        #expect(model.namedParameters().map(\.name) == before.map(\.0))
        for ((_, tensor), (_, values)) in zip(model.namedParameters(), before) { #expect(tensor.scalars == values) }
        // Each parameter is a window of the one buffer.
        for entry in buffer.entries {
            #expect(entry.tensor.pointer == buffer.values.pointer + entry.offset)
            #expect(entry.tensor.grad!.pointer == buffer.gradients.pointer + entry.offset)
        }
    }

    @Test func backwardAccumulatesIntoTheGradientBuffer() {
        var g = RandomGenerator(seed: 2)
        let model = Mixed(generator: &g)
        let buffer = ParameterBuffer(module: model)
        let ids = IndexTensor([1, 4, 4], shape: [3])
        softmaxCrossEntropy(model(ids), labels: [0, 2, 1]).backward()

        let head = buffer.entry(named: "head.weight")!
        let flat = Array(buffer.gradients.buffer[head.range])
        #expect(flat == model.head.weight.grad!.scalars)
        #expect(flat.contains { $0 != 0 })
        // Rows of unused embeddings get nothing.
        #expect(model.embedding.weight.grad!.scalars[0..<4].allSatisfy { $0 == 0 })

        buffer.zeroGrad()
        #expect(model.namedParameters().allSatisfy { $0.tensor.grad!.scalars.allSatisfy { $0 == 0 } })
    }

    @Test func writesThroughTheBufferReachTheLayers() {
        var g = RandomGenerator(seed: 3)
        let model = Mixed(generator: &g)
        let buffer = ParameterBuffer(module: model)
        buffer.values.pointer.update(repeating: 0.5, count: buffer.count)
        #expect(model.head.bias!.scalars == [0.5, 0.5, 0.5])
        #expect(model.norm.weight.scalars == [0.5, 0.5, 0.5, 0.5])
    }

    @Test func tiedAndFrozenParameters() {
        let shared = Tensor(ones: [2, 3], requiresGrad: true)
        let frozen = Tensor(ones: [3])
        let buffer = ParameterBuffer(parameters: [("a", shared), ("frozen", frozen), ("tied", shared)])
        #expect(buffer.entries.map(\.name) == ["a"])
        #expect(buffer.count == 6)
        #expect(frozen.grad == nil)
    }

    @Test func customDecayRule() {
        var g = RandomGenerator(seed: 4)
        let model = Mixed(generator: &g)
        let buffer = ParameterBuffer(module: model) { name, _ in !name.hasPrefix("embedding") && name.hasSuffix("weight") }
        #expect(buffer.entries.filter(\.decays).map(\.name) == ["norm.weight", "head.weight"])
    }
}
