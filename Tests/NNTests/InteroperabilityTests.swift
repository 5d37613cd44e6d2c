import Foundation
import Testing
import Tensor
import NN

/// Files written by Python's `safetensors` package (what `safetensors.torch.save_file` writes) load here.
@Suite struct InteroperabilityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test func loadsAFileWrittenByPythonSafetensors() throws {
        // Written by: save_file({"linear.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        //                        "linear.bias": np.array([0.5, -1.5], dtype=np.float32)}, …, metadata={"format": "pt"})
        let (tensors, metadata) = try Safetensors.read(Self.fixtures.appendingPathComponent("from_python.safetensors"))
        #expect(metadata == ["format": "pt"])
        var g = RandomGenerator(seed: 0)
        let linear = Linear(inputSize: 3, outputSize: 2, generator: &g)
        try linear.load(tensors.reduce(into: [:]) { $0[String($1.key.dropFirst("linear.".count))] = $1.value }, source: "from_python.safetensors")
        #expect(linear.weight.shape == [2, 3] && linear.weight.scalars == [0, 1, 2, 3, 4, 5])
        #expect(linear.bias?.scalars == [0.5, -1.5])
        // y = W x + b for x = (1, 1, 1): (0+1+2+0.5, 3+4+5−1.5)
        #expect(linear(Tensor([1, 1, 1], shape: [1, 3])).scalars == [3.5, 10.5])
    }
}
