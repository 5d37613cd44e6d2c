import Testing
import Tensor
import NN

/// `Module.copyParameters(from:under:sourceName:)`: pre-trained parts copied by name, with a
/// typed error (and nothing copied) when names or shapes disagree.
@Suite struct ParameterTransferTests {
    /// Two parts, `a` and `b`, as a model's `encoders.image` and `fusion`.
    final class Pair: Module {
        let a: MLP, b: Linear
        init(seed: UInt64, width: Int = 4) {
            var g = RandomGenerator(seed: seed)
            a = MLP(inputSize: 3, hiddenSizes: [width], outputSize: 2, generator: &g)
            b = Linear(inputSize: 2, outputSize: 1, generator: &g)
        }
        var children: [(String, any Module)] { [("part.a", a), ("part.b", b)] }
    }

    private func values(_ m: any Module) -> [[Float]] { m.namedParameters().map(\.tensor.scalars) }

    @Test func copiesOnlyThePartsNamed() throws {
        let source = Pair(seed: 1), target = Pair(seed: 2)
        let untouched = values(target.b)
        let copied = try target.copyParameters(from: source, under: ["part.a"], sourceName: "source")
        #expect(copied == ["part.a.layers.0.weight", "part.a.layers.0.bias", "part.a.layers.1.weight", "part.a.layers.1.bias"])
        #expect(values(target.a) == values(source.a) && values(target.a) != values(Pair(seed: 2).a))
        #expect(values(target.b) == untouched)
    }

    @Test func aShapeMismatchIsATypedErrorAndCopiesNothing() {
        let source = Pair(seed: 1, width: 5), target = Pair(seed: 2)
        let before = values(target)
        #expect(throws: CheckpointError.shapeMismatch(source: "source", tensor: "part.a.layers.0.weight", expected: [4, 3], actual: [5, 3])) {
            try target.copyParameters(from: source, under: ["part.b", "part.a"], sourceName: "source")
        }
        // part.b matched, but nothing is copied unless every part does.
        #expect(values(target) == before)
    }

    /// `Pair` with one more layer under `part.a`.
    final class Larger: Module {
        let pair: Pair, extra: Linear
        init(seed: UInt64) {
            pair = Pair(seed: seed)
            var g = RandomGenerator(seed: seed + 100)
            extra = Linear(inputSize: 2, outputSize: 2, generator: &g)
        }
        var children: [(String, any Module)] { pair.children + [("part.a.extra", extra)] }
    }

    @Test func aPartMissingFromEitherSideIsATypedError() {
        let target = Pair(seed: 2)
        #expect(throws: CheckpointError.missingTensor(source: "source", tensor: "part.c.*", expectedShape: [])) {
            try target.copyParameters(from: Pair(seed: 1), under: ["part.c"], sourceName: "source")
        }
        // The source's part has a parameter the target's lacks, or the other way round.
        #expect(throws: CheckpointError.unexpectedTensor(source: "source", tensor: "part.a.extra.weight", shape: [2, 2])) {
            try target.copyParameters(from: Larger(seed: 1), under: ["part.a"], sourceName: "source")
        }
        #expect(throws: CheckpointError.missingTensor(source: "source", tensor: "part.a.extra.bias", expectedShape: [2])) {
            try Larger(seed: 2).copyParameters(from: Pair(seed: 1), under: ["part.a"], sourceName: "source")
        }
    }
}
