import Foundation
import Testing
import Tensor
import NN

/// Files written by Python's `safetensors` package (what `safetensors.torch.save_file` writes) load here.
@Suite struct InteroperabilityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test func loadsAFileWrittenByPythonSafetensors() throws {
        // Written by Tests/Fixtures/make_safetensors_fixtures.py: save_file({"linear.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        //     "linear.bias": np.array([0.5, -1.5], dtype=np.float32)}, …, metadata={"format": "pt"})
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

    /// F64, F16 and F32 tensors of awkward values written by Python's safetensors; the float32
    /// values numpy converts them to are in python_dtypes.json (same script), compared bit for bit.
    @Test func convertsPythonsF64AndF16LikeNumpy() throws {
        struct Expected: Decodable {
            struct Entry: Decodable { var shape: [Int]; var float32: [String] }
            var tensors: [String: Entry]
        }
        let shared = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: shared.appendingPathComponent("python_dtypes.json")))
        let (tensors, metadata) = try Safetensors.read(shared.appendingPathComponent("python_dtypes.safetensors"))
        #expect(metadata == ["written_by": "make_safetensors_fixtures.py"])
        #expect(Set(tensors.keys) == Set(expected.tensors.keys) && tensors.count == 4)
        for (name, want) in expected.tensors {
            let t = try #require(tensors[name], "\(name) missing")
            #expect(t.shape == want.shape, "\(name)")
            let values = try want.float32.map { Float(try #require(Double($0))) }
            #expect(t.scalars.count == values.count, "\(name)")
            #expect(t.scalars.map(\.bitPattern) == values.map(\.bitPattern), "\(name): \(t.scalars) vs numpy's \(values)")
        }
    }
}
