import Foundation
import Testing
import Tensor
import NN
import TestSupport

@Suite struct CheckpointTests {
    private func mlp(seed: UInt64, hidden: Int = 4) -> MLP {
        var g = RandomGenerator(seed: seed)
        return MLP(inputSize: 3, hiddenSizes: [hidden], outputSize: 2, generator: &g)
    }

    private func values(_ m: any Module) -> [[Float]] { m.namedParameters().map(\.tensor.scalars) }

    @Test func saveAndLoadIntoAPackedModule() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("mlp.safetensors").path
            let source = mlp(seed: 1)
            try source.save(to: path, metadata: ["step": "12"])

            let target = mlp(seed: 2)
            let buffer = ParameterBuffer(module: target)
            let pointers = target.namedParameters().map(\.tensor.pointer)
            let metadata = try target.load(from: path)
            #expect(metadata == ["step": "12"])
            #expect(values(target) == values(source))
            // Copied into the existing storages: the buffer still holds the parameters.
            #expect(target.namedParameters().map(\.tensor.pointer) == pointers)
            let head = buffer.entry(named: "layers.1.weight")!
            #expect(Array(buffer.values.buffer[head.range]) == source.layers[1].weight.scalars)
        }
    }

    @Test func missingExtraAndMisShapedTensorsAreNamed() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("w.safetensors").path
            let model = mlp(seed: 3)
            let original = values(model)
            let full = model.namedParameters().map { ($0.name, $0.tensor) }

            try Safetensors.write(full.filter { $0.0 != "layers.0.bias" }, to: path)
            let e1 = #expect(throws: CheckpointError.self) { try model.load(from: path) }
            #expect(e1 == .missingTensor(source: path, tensor: "layers.0.bias", expectedShape: [4]))
            #expect(e1?.description.contains("layers.0.bias") == true)
            try model.load(from: path, strict: false)

            try Safetensors.write(full + [("layers.2.weight", Tensor(zeros: [2, 2]))], to: path)
            let e2 = #expect(throws: CheckpointError.self) { try model.load(from: path) }
            #expect(e2 == .unexpectedTensor(source: path, tensor: "layers.2.weight", shape: [2, 2]))
            try model.load(from: path, strict: false)

            // A model with 5 hidden units: its first weight is [5, 3], not [4, 3].
            try mlp(seed: 4, hidden: 5).save(to: path)
            let e3 = #expect(throws: CheckpointError.self) { try model.load(from: path, strict: false) }
            #expect(e3 == .shapeMismatch(source: path, tensor: "layers.0.weight", expected: [4, 3], actual: [5, 3]))
            #expect(e3?.description.contains("[5, 3]") == true)
            // Failed loads changed nothing.
            #expect(values(model) == original)
        }
    }

    @Test func trainingCheckpointResumesExactly() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("run.safetensors").path
            func steps(_ model: MLP, _ optimizer: AdamW, count: Int, seed: UInt64) {
                var g = RandomGenerator(seed: seed)
                for _ in 0..<count {
                    let x = Tensor(normal: [8, 3], generator: &g)
                    let labels = (0..<8).map { _ in Int32(g.nextInt(below: 2)) }
                    optimizer.zeroGrad()
                    softmaxCrossEntropy(model(x), labels: labels).backward()
                    optimizer.step()
                }
            }
            let model = mlp(seed: 5)
            let optimizer = try AdamW(parameters: ParameterBuffer(module: model), learningRate: 0.05)
            steps(model, optimizer, count: 3, seed: 1)
            try TrainingCheckpoint.save(model: model, optimizer: optimizer, metadata: ["epoch": "1"], to: path)

            let resumed = mlp(seed: 6)
            let resumedOptimizer = try AdamW(parameters: ParameterBuffer(module: resumed), learningRate: 0.05)
            let metadata = try TrainingCheckpoint.load(model: resumed, optimizer: resumedOptimizer, from: path)
            #expect(metadata == ["epoch": "1"])
            #expect(resumedOptimizer.stepCount == 3)

            steps(model, optimizer, count: 2, seed: 2)
            steps(resumed, resumedOptimizer, count: 2, seed: 2)
            #expect(values(resumed) == values(model))

            // A bad optimizer part leaves the model as it was.
            let other = mlp(seed: 7)
            let before = values(other)
            let sgd = try SGD(parameters: ParameterBuffer(module: other), learningRate: 0.1, momentum: 0.9)
            #expect(throws: CheckpointError.self) { try TrainingCheckpoint.load(model: other, optimizer: sgd, from: path) }
            #expect(values(other) == before)
        }
    }
}
