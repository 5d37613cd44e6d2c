import Foundation
import Testing
import CKernels
import Tensor
import NN
import TestSupport

/// Reference multi-head attention in plain Double loops, straight from the definition:
/// per head softmax(Q_h K_hᵀ/√dh) V_h, concatenated, then the output projection.
/// Returns the output `[B·Lq·D]` and the head-averaged weights `[B·Lq·Lk]`.
private func referenceAttention(_ mha: MultiHeadAttention, query: Tensor, key: Tensor, value: Tensor,
                                padded: [[Bool]]?) -> (output: [Double], weights: [Double]) {
    let (batch, lq, lk, d, heads) = (query.shape[0], query.shape[1], key.shape[1], mha.dimension, mha.heads)
    let dh = d / heads
    func project(_ layer: Linear, _ x: Tensor, _ b: Int, _ t: Int) -> [Double] {
        (0..<d).map { o in
            (0..<d).reduce(Double(layer.bias?[o] ?? 0)) { $0 + Double(layer.weight[o, $1]) * Double(x[b, t, $1]) }
        }
    }
    var output: [Double] = [], weights: [Double] = []
    for b in 0..<batch {
        let q = (0..<lq).map { project(mha.queryProjection, query, b, $0) }
        let k = (0..<lk).map { project(mha.keyProjection, key, b, $0) }
        let v = (0..<lk).map { project(mha.valueProjection, value, b, $0) }
        for i in 0..<lq {
            var context = [Double](repeating: 0, count: d)
            var averaged = [Double](repeating: 0, count: lk)
            for h in 0..<heads {
                let cols = (h * dh)..<((h + 1) * dh)
                let scores = (0..<lk).map { j -> Double in
                    padded?[b][j] == true ? -.infinity : cols.reduce(0) { $0 + q[i][$1] * k[j][$1] } / Double(dh).squareRoot()
                }
                let m = scores.max()!
                let e = scores.map { m == -.infinity ? 0 : Foundation.exp($0 - m) }
                let s = e.reduce(0, +)
                let p = e.map { s > 0 ? $0 / s : 0 }
                for j in 0..<lk {
                    averaged[j] += p[j] / Double(heads)
                    for c in cols { context[c] += p[j] * v[j][c] }
                }
            }
            let out = mha.outputProjection
            for o in 0..<d {
                output.append((0..<d).reduce(Double(out.bias?[o] ?? 0)) { $0 + Double(out.weight[o, $1]) * context[$1] })
            }
            weights += averaged
        }
    }
    return (output, weights)
}

private func maxDifference(_ a: [Float], _ b: [Double]) -> Double { maxAbsoluteDifference(a, b) }

@Suite struct MultiHeadAttentionTests {
    @Test func matchesManualSoftmaxAttention() {
        for heads in [1, 2] {
            var g = RandomGenerator(seed: 20 + UInt64(heads))
            let mha = MultiHeadAttention(dimension: 4, heads: heads, generator: &g)
            let q = randomInput([2, 3, 4], seed: 1), k = randomInput([2, 5, 4], seed: 2), v = randomInput([2, 5, 4], seed: 3)
            let result = mha(query: q, key: k, value: v, returnWeights: true)
            let reference = referenceAttention(mha, query: q, key: k, value: v, padded: nil)
            #expect(result.output.shape == [2, 3, 4])
            #expect(maxDifference(result.output.scalars, reference.output) < 1e-5)
            let weights = result.weights!
            #expect(weights.shape == [2, 3, 5])
            #expect(maxDifference(weights.scalars, reference.weights) < 1e-6)
        }
    }

    @Test func keyPaddingMaskGivesMaskedKeysExactlyZeroWeight() throws {
        var g = RandomGenerator(seed: 30)
        let mha = MultiHeadAttention(dimension: 6, heads: 3, generator: &g)
        let x = randomInput([2, 4, 6], seed: 4)
        let padded = [[false, false, true, true], [false, true, false, false]]
        let mask = Tensor(padded.flatMap { $0.map { $0 ? Float(1) : 0 } }, shape: [2, 4])
        let result = mha(query: x, key: x, value: x, keyPaddingMask: mask, returnWeights: true)
        let w = try #require(result.weights)
        for b in 0..<2 {
            for i in 0..<4 {
                for j in 0..<4 where padded[b][j] { #expect(w[b, i, j] == 0) }
            }
        }
        let reference = referenceAttention(mha, query: x, key: x, value: x, padded: padded)
        #expect(maxDifference(result.output.scalars, reference.output) < 1e-5)
        #expect(maxDifference(w.scalars, reference.weights) < 1e-6)
        // Padded keys and values receive exactly zero gradient.
        let key = randomInput([2, 4, 6], seed: 5), value = randomInput([2, 4, 6], seed: 6)
        mha(query: x.detached(), key: key, value: value, keyPaddingMask: mask).output.sum().backward()
        let gk = try #require(key.grad), gv = try #require(value.grad)
        for b in 0..<2 {
            for j in 0..<4 {
                let grads = (0..<6).flatMap { [gk[b, j, $0], gv[b, j, $0]] }
                if padded[b][j] { #expect(grads.allSatisfy { $0 == 0 }) } else { #expect(grads.contains { $0 != 0 }) }
            }
        }
    }

    @Test func fullyPaddedQueryStaysFinite() throws {
        var g = RandomGenerator(seed: 31)
        let mha = MultiHeadAttention(dimension: 4, heads: 2, generator: &g)
        let x = randomInput([2, 3, 4], seed: 7)
        let mask = Tensor([1, 1, 1, 0, 0, 1], shape: [2, 3])  // batch row 0: every key padded
        let result = mha(query: x, key: x, value: x, keyPaddingMask: mask, returnWeights: true)
        #expect(result.output.scalars.allSatisfy { $0.isFinite })
        #expect(result.weights!.scalars[0..<9].allSatisfy { $0 == 0 })
        // No context at all: each of that row's outputs is the output projection's bias.
        let bias = mha.outputProjection.bias!.scalars
        for i in 0..<3 { #expect((0..<4).map { result.output[0, i, $0] } == bias) }
        result.output.sum().backward()
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite })
        #expect(mha.namedParameters().allSatisfy { $0.tensor.grad?.scalars.allSatisfy { $0.isFinite } ?? true })
    }

    @Test func gradientsCrossAttention() throws {
        var g = RandomGenerator(seed: 32)
        let mha = MultiHeadAttention(dimension: 6, heads: 2, generator: &g)
        let q = randomInput([2, 3, 6], seed: 8), k = randomInput([2, 4, 6], seed: 9), v = randomInput([2, 4, 6], seed: 10)
        try checkGradients(of: mha, inputs: [q, k, v]) { mha(query: q, key: k, value: v).output }
        // The weights themselves are differentiable too.
        try checkGradients(of: mha, inputs: [q, k]) { mha(query: q, key: k, value: v, returnWeights: true).weights! }
    }

    @Test func gradientsSelfAttentionWithKeyPaddingMask() throws {
        var g = RandomGenerator(seed: 33)
        let mha = MultiHeadAttention(dimension: 4, heads: 2, generator: &g)
        let x = randomInput([3, 4, 4], seed: 11)
        let mask = Tensor([0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0], shape: [3, 4])
        try checkGradients(of: mha, inputs: [x]) { mha(x, keyPaddingMask: mask) }
    }

    /// Without gradients attention runs fused (nothing is kept for backward): the same bits as the
    /// head-batched path taken while recording, padded keys included.
    @Test func inferenceTakesTheFusedPathWithTheSameValues() {
        var g = RandomGenerator(seed: 35)
        let mha = MultiHeadAttention(dimension: 8, heads: 2, generator: &g)
        mha.eval()
        let x = randomInput([3, 6, 8], seed: 13)
        let mask = Tensor((0..<18).map { Float($0 % 6 >= 4 ? 1 : 0) }, shape: [3, 6])
        let recorded = mha(x, keyPaddingMask: mask)
        #expect(recorded.requiresGrad, "the recorded pass is the head-batched one")
        let inferred = withoutGradients { mha(x, keyPaddingMask: mask) }
        #expect(!inferred.requiresGrad)
        #expect(inferred.scalars == recorded.scalars)
    }

    @Test func evalModeDisablesAttentionDropout() {
        var g1 = RandomGenerator(seed: 34), g2 = RandomGenerator(seed: 34)
        let withDropout = MultiHeadAttention(dimension: 4, heads: 2, dropout: 0.5, generator: &g1)
        let plain = MultiHeadAttention(dimension: 4, heads: 2, dropout: 0, generator: &g2)
        let x = randomInput([2, 5, 4], seed: 12)
        #expect(withDropout(x).scalars != plain(x).scalars)
        withDropout.eval()
        #expect(withDropout(x).scalars == plain(x).scalars)
    }

    @Test func parameterNames() {
        var g = RandomGenerator(seed: 35)
        let mha = MultiHeadAttention(dimension: 8, heads: 2, generator: &g)
        let names = mha.namedParameters().map { "\($0.name) \($0.tensor.shape)" }
        #expect(names == ["q_proj.weight [8, 8]", "q_proj.bias [8]", "k_proj.weight [8, 8]", "k_proj.bias [8]",
                          "v_proj.weight [8, 8]", "v_proj.bias [8]", "out_proj.weight [8, 8]", "out_proj.bias [8]"])
        let noBias = MultiHeadAttention(dimension: 8, heads: 4, bias: false, generator: &g)
        #expect(noBias.parameterCount == 4 * 64)
    }
}

@Suite struct TransformerEncoderTests {
    @Test func layerGradients() throws {
        for activation in [Activation.gelu, .relu] {
            var g = RandomGenerator(seed: 40)
            let layer = TransformerEncoderLayer(dimension: 4, heads: 2, feedForwardSize: 6, dropout: 0,
                                                activation: activation, generator: &g)
            // Non-trivial norm parameters so their gradients are exercised.
            for norm in [layer.norm1, layer.norm2] {
                norm.weight.assign(randomInput([4], seed: 41).detached() * 0.5 + 1)
                norm.bias.assign(randomInput([4], seed: 42).detached() * 0.5)
            }
            let x = randomInput([2, 3, 4], seed: 13)
            let mask = Tensor([0, 0, 1, 0, 0, 0], shape: [2, 3])
            try checkGradients(of: layer, inputs: [x]) { layer(x, keyPaddingMask: mask) }
        }
    }

    @Test func encoderStackGradientsAndNames() throws {
        var g = RandomGenerator(seed: 43)
        let encoder = TransformerEncoder(layerCount: 2, dimension: 4, heads: 2, feedForwardSize: 8, dropout: 0.1,
                                         activation: .gelu, generator: &g)
        let names = encoder.namedParameters().map(\.name)
        let layerNames = ["attention.q_proj.weight", "attention.q_proj.bias", "attention.k_proj.weight", "attention.k_proj.bias",
                          "attention.v_proj.weight", "attention.v_proj.bias", "attention.out_proj.weight",
                          "attention.out_proj.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
                          "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
        #expect(names == layerNames.map { "layers.0." + $0 } + layerNames.map { "layers.1." + $0 } + ["norm.weight", "norm.bias"])
        #expect(encoder.parameterCount == 2 * (4 * 20 + 16 + 40 + 36) + 8)
        encoder.eval()  // dropout off: the check needs a deterministic function
        let x = randomInput([2, 3, 4], seed: 14)
        try checkGradients(of: encoder, inputs: [x]) { encoder(x) }
        // Unmasked, the encoder is a plain layer that can sit in a Sequential.
        #expect(Sequential([encoder]).namedParameters().first?.name == "0.layers.0.attention.q_proj.weight")
        #expect(Sequential([encoder])(x).scalars == encoder(x).scalars)
    }

    /// Without gradients and with dropout off, the encoder packs the valid positions: each valid row
    /// has the bits of the padded computation (taken with gradients on), the padded rows are 0. With
    /// dropout on, or nothing padded, it runs the padded batch as it is.
    @Test func inferenceSkipsThePaddingWithTheSameBits() {
        var g = RandomGenerator(seed: 45)
        let encoder = TransformerEncoder(layerCount: 2, dimension: 16, heads: 4, feedForwardSize: 24, dropout: 0.2, generator: &g)
        let (b, l) = (4, 21)
        let x = randomInput([b, l, 16], seed: 16).detached()
        let lengths = [21, 7, 0, 16]
        var padding = [Float](repeating: 0, count: b * l)
        for (s, n) in lengths.enumerated() { for p in n..<l { padding[s * l + p] = 1 } }
        let mask = Tensor(padding, shape: [b, l])
        encoder.eval()
        // On every kernel path: the CPU's, AVX2 at most, portable.
        for path: Int32 in [0, 2, 1] {
            fl_kernels_force_portable(path)
            defer { fl_kernels_force_portable(0) }
            let padded = encoder(x, keyPaddingMask: mask)  // gradients on: the padded batch
            let packed = withoutGradients { encoder(x, keyPaddingMask: mask) }
            for row in 0..<(b * l) {
                let (p, q) = (Array(packed.scalars[(row * 16)..<(row * 16 + 16)]), Array(padded.scalars[(row * 16)..<(row * 16 + 16)]))
                if padding[row] == 0 { #expect(p.map(\.bitPattern) == q.map(\.bitPattern), "row \(row), path \(path)") }
                else { #expect(p.allSatisfy { $0 == 0 }, "padded row \(row)") }
            }
        }
        // Nothing padded, or a gap inside a sequence: the padded path, the same values.
        var gap = padding
        gap[3 * l + 2] = 1
        for m in [Tensor(zeros: [b, l]), Tensor(gap, shape: [b, l])] {
            #expect(withoutGradients { encoder(x, keyPaddingMask: m) }.scalars == encoder(x, keyPaddingMask: m).scalars)
        }
        // Dropout on: not packed (the padded rows hold values).
        encoder.train(true)
        #expect(withoutGradients { encoder(x, keyPaddingMask: mask) }.scalars[(2 * l * 16)..<(3 * l * 16)].contains { $0 != 0 })
    }

    @Test func evalModeDisablesEveryDropout() {
        var g = RandomGenerator(seed: 44)
        let layer = TransformerEncoderLayer(dimension: 4, heads: 1, feedForwardSize: 8, dropout: 0.3, generator: &g)
        let x = randomInput([2, 3, 4], seed: 15)
        #expect(layer(x).scalars != layer(x).scalars)
        layer.eval()
        #expect(layer(x).scalars == layer(x).scalars)
        #expect([layer.dropout, layer.dropout1, layer.dropout2, layer.attention.dropout].allSatisfy { !$0.isTraining })
        // With dropout off, the layer is exactly its pre-LN definition.
        let attended = x + layer.attention(layer.norm1(x))
        let expected = attended + layer.linear2(layer.linear1(layer.norm2(attended)).relu())
        #expect(maxDifference(layer(x).scalars, expected.scalars.map(Double.init)) < 1e-6)
    }
}
