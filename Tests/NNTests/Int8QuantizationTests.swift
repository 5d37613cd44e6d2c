import Testing
import CQuantization
@testable import NN
import Tensor
import TestSupport

/// The int8 GEMM and the layers quantised with it, against float.
@Suite struct Int8QuantizationTests {
    /// Integer weights whose largest magnitude per row is 127 and activations spanning exactly
    /// 255 steps are quantised without error (both scales 1), so the int32 sums and the output
    /// are exact: every kernel must give `x Wᵀ + b` to the last bit.
    @Test func gemmIsExactOnRepresentableValues() {
        let (rows, inputs, outputs) = (6, 9, 18)  // a partial row block, k not a multiple of 4, a partial channel block
        var w = [Float](repeating: 0, count: outputs * inputs)
        for j in 0..<outputs { for k in 0..<inputs { w[j * inputs + k] = Float((j * 7 + k * 13) % 255 - 127) }; w[j * inputs + j % inputs] = j % 2 == 0 ? 127 : -127 }
        var x = [Float](repeating: 0, count: rows * inputs)
        for i in 0..<rows {
            for k in 0..<inputs { x[i * inputs + k] = i % 2 == 0 ? Float((i * 31 + k * 17) % 120 - 60) : Float((i * 31 + k * 17) % 200) }
            // Each row spans 255 steps: [−128, 127] (zero point 128) or [0, 255] (zero point 0).
            x[i * inputs] = i % 2 == 0 ? -128 : 0
            x[i * inputs + 1] = i % 2 == 0 ? 127 : 255
        }
        let bias = (0..<outputs).map { Float($0) - 4.5 }
        var want = [Float](repeating: 0, count: rows * outputs)
        for i in 0..<rows {
            for j in 0..<outputs {
                var s: Float = 0
                for k in 0..<inputs { s += x[i * inputs + k] * w[j * inputs + k] }
                want[i * outputs + j] = s + bias[j]
            }
        }
        let weights = Int8Weights(Tensor(w, shape: [outputs, inputs]))
        #expect(weights.scales.allSatisfy { $0 == 1 })
        let input = Tensor(x, shape: [rows, inputs]), b = Tensor(bias, shape: [outputs])
        for kernel in Int8Kernel.allCases where kernel.isSupported {
            #expect(weights.linear(input, bias: b, gemm: kernel).scalars == want, "\(kernel)")
        }
    }

    /// Random values: each output within the bound the two quantisation steps allow,
    /// Σₖ (|xₖ|·s_w/2 + |wₖ|·s_a/2 + s_a·s_w/4), and the vectorised and portable kernels identical.
    @Test func gemmErrorWithinTheScalesBound() {
        let (rows, inputs, outputs) = (37, 70, 21)
        let x = randomInput([rows, inputs], seed: 11).detached(), weight = randomInput([outputs, inputs], seed: 12, scale: 0.2).detached()
        let bias = randomInput([outputs], seed: 13).detached()
        let want = linear(x, weight: weight, bias: bias).scalars
        let q = Int8Weights(weight)
        let got = q.linear(x, bias: bias)
        for kernel in Int8Kernel.allCases where kernel.isSupported {
            #expect(got.scalars == q.linear(x, bias: bias, gemm: kernel).scalars, "\(kernel)")
        }
        let xs = x.scalars, ws = weight.scalars
        var worst = 0.0
        for i in 0..<rows {
            let row = xs[(i * inputs)..<((i + 1) * inputs)]
            let sa = Double(max(row.max()!, 0) - min(row.min()!, 0)) / 255
            for j in 0..<outputs {
                let sw = Double(q.scales[j])
                var bound = 1e-5
                for k in 0..<inputs { bound += abs(Double(xs[i * inputs + k])) * sw / 2 + abs(Double(ws[j * inputs + k])) * sa / 2 + sa * sw / 4 }
                let error = abs(Double(got.scalars[i * outputs + j]) - Double(want[i * outputs + j]))
                #expect(error <= bound, "row \(i), channel \(j): error \(error) > bound \(bound)")
                worst = max(worst, error / bound)
            }
        }
        // The bound is a worst case; rounding errors mostly cancel.
        #expect(worst < 0.5)
    }

    /// Every kernel the CPU runs gives the portable loop's bits, for Linear shapes that exercise
    /// each panel width (1–4 blocks of 16 channels, a partial last block) and a partial row tile.
    @Test func linearKernelsIdentical() {
        for (rows, inputs, outputs) in [(1, 5, 1), (7, 64, 64), (13, 64, 128), (6, 128, 64), (5, 33, 50), (25, 64, 192)] {
            let x = randomInput([rows, inputs], seed: UInt64(rows + inputs)).detached()
            let weights = Int8Weights(randomInput([outputs, inputs], seed: UInt64(outputs), scale: 0.3).detached())
            let bias = randomInput([outputs], seed: 5).detached()
            let want = weights.linear(x, bias: bias, gemm: .portable).scalars
            for kernel in Int8Kernel.allCases where kernel.isSupported {
                #expect(weights.linear(x, bias: bias, gemm: kernel).scalars == want, "\(kernel), \(rows)×\(inputs)→\(outputs)")
            }
        }
    }

    /// The convolution kernels agree to the bit with the portable one — positions not a whole tile,
    /// channels not a whole group of 4, a strided width (the unfold's gather path) — and the fused
    /// ReLU and 2×2 pooling give exactly `relu()` and `maxPool2d` of the plain int8 convolution.
    @Test func convolutionKernelsIdenticalAndFusionExact() {
        var g = RandomGenerator(seed: 51)
        let cases: [(Conv2d, [Int])] = [
            (Conv2d(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: 1, generator: &g), [2, 3, 32, 32]),
            (Conv2d(inputChannels: 16, outputChannels: 32, kernelSize: 3, padding: 1, generator: &g), [2, 16, 16, 16]),
            (Conv2d(inputChannels: 5, outputChannels: 7, kernelSize: 3, padding: 1, generator: &g), [3, 5, 13, 10]),
            (Conv2d(inputChannels: 3, outputChannels: 5, kernelSize: (2, 3), stride: (2, 2), padding: (0, 2), generator: &g), [2, 3, 9, 7]),
        ]
        for (k, (conv, shape)) in cases.enumerated() {
            let x = randomInput(shape, seed: UInt64(60 + k)).detached()
            let q = Int8Weights(conv.weight)
            func run(_ relu: Bool, _ pool: Bool, _ kernel: Int8Kernel) -> Tensor {
                q.conv2d(x, bias: conv.bias, kernel: (conv.weight.shape[2], conv.weight.shape[3]), stride: conv.stride, padding: conv.padding,
                         relu: relu, pool2x2: pool, gemm: kernel)
            }
            let plain = run(false, false, .portable)
            let relu = run(true, false, .portable), pooled = run(true, true, .portable)
            #expect(relu.scalars == plain.relu().scalars)
            #expect(pooled.scalars == plain.relu().maxPool2d(kernel: (2, 2)).scalars)
            for kernel in Int8Kernel.allCases where kernel.isSupported {
                #expect(run(false, false, kernel).scalars == plain.scalars, "\(kernel), case \(k)")
                #expect(run(true, false, kernel).scalars == relu.scalars, "\(kernel), case \(k)")
                #expect(run(true, true, kernel).scalars == pooled.scalars, "\(kernel), case \(k)")
            }
        }
    }

    /// The activation quantiser (its AVX-512, AVX2 or portable path, whichever this CPU runs:
    /// lengths around the vector widths exercise the masked and scalar tails) against the scheme
    /// computed here: the range [min(0, min x), max(0, max x)] onto 0…255, q = x·(1/s) rounded half
    /// to even, plus the zero point, saturated; zeros after the row's k values.
    @Test func activationRowsQuantisedAsTheSchemeSays() {
        for k in [1, 5, 8, 16, 17, 64, 70, 130] {
            let rows = 3, ld = ((k + 3) & ~3) + 4
            var x = randomInput([rows, k], seed: UInt64(k)).detached().scalars
            for j in 0..<k { x[2 * k + j] = abs(x[2 * k + j]) + 0.5 }  // a row above 0: zero point 0
            var q = [UInt8](repeating: 9, count: rows * ld), scales = [Float](repeating: 0, count: rows)
            var zeros = [Int32](repeating: -1, count: rows)
            fl_quantize_rows_u8(x, Int32(rows), Int32(k), k, &q, ld, &scales, &zeros)
            for r in 0..<rows {
                let row = Array(x[(r * k)..<((r + 1) * k)])
                let lo = min(row.min()!, 0), hi = max(row.max()!, 0), s = (hi - lo) / 255
                let z = Int32(max(0, min(255, (-lo / s).rounded(.toNearestOrEven))))
                #expect(scales[r] == s && zeros[r] == z, "k \(k), row \(r)")
                let want = row.map { UInt8(max(0, min(255, Int32(($0 * (1 / s)).rounded(.toNearestOrEven)) + z))) }
                #expect(Array(q[(r * ld)..<(r * ld + k)]) == want, "k \(k), row \(r)")
                #expect(q[(r * ld + k)..<((r + 1) * ld)].allSatisfy { $0 == 0 })
            }
        }
    }

    @Test func weightsQuantisedPerOutputChannel() {
        let w = Tensor([0.5, -1, 0.25, 0, 0, 0, 2, 4, -8], shape: [3, 3])
        let q = Int8Weights(w)
        #expect(q.scales == [1 / 127, 1, 8 / 127])
        #expect(q.values == [64, -127, 32, 0, 0, 0, 32, 64, -127])
    }

    @Test func linearLayerCloseToFloat() {
        var g = RandomGenerator(seed: 21)
        let layer = Linear(inputSize: 64, outputSize: 48, generator: &g)
        let x = randomInput([3, 10, 64], seed: 22).detached()
        let want = withoutGradients { layer(x) }
        #expect(quantizeDynamically(layer) == QuantizationSummary(linearLayers: 1, convolutionLayers: 0, weights: 64 * 48))
        let got = layer(x)
        #expect(got.shape == want.shape)
        // ~1% of the output's spread.
        #expect(allClose(got.scalars, want.scalars, tolerance: 0.02))
        #expect(!allClose(got.scalars, want.scalars, tolerance: 0))
        dequantize(layer)
        #expect(withoutGradients { layer(x) }.scalars == want.scalars)
    }

    @Test func convolutionsCloseToFloat() {
        var g = RandomGenerator(seed: 31)
        let conv = Conv2d(inputChannels: 3, outputChannels: 20, kernelSize: 3, padding: 1, generator: &g)
        let strided = Conv2d(inputChannels: 3, outputChannels: 5, kernelSize: (2, 3), stride: (2, 1), padding: (0, 2), generator: &g)
        let conv1 = Conv1d(inputChannels: 4, outputChannels: 6, kernelSize: 3, padding: 1, generator: &g)
        let image = randomInput([2, 3, 9, 7], seed: 32).detached(), sequence = randomInput([3, 4, 11], seed: 33).detached()
        let want = withoutGradients { [conv(image), strided(image), conv1(sequence)] }
        for layer in [conv, strided, conv1] as [any Module] { quantizeDynamically(layer) }
        let got = [conv(image), strided(image), conv1(sequence)]
        for (a, b) in zip(got, want) {
            #expect(a.shape == b.shape)
            #expect(allClose(a.scalars, b.scalars, tolerance: 0.03), "max error \(maxAbsoluteDifference(a.scalars, b.scalars))")
        }
    }

    /// Every Linear of a Transformer layer is converted (attention projections, feed-forward),
    /// and the layer's output stays close to float's.
    @Test func transformerLayerCloseToFloat() {
        var g = RandomGenerator(seed: 41)
        let layer = TransformerEncoderLayer(dimension: 32, heads: 4, feedForwardSize: 64, dropout: 0, generator: &g)
        layer.eval()
        let x = randomInput([2, 7, 32], seed: 42).detached()
        let want = withoutGradients { layer(x) }
        let summary = quantizeDynamically(layer)
        #expect(summary == QuantizationSummary(linearLayers: 6, convolutionLayers: 0, weights: 4 * 32 * 32 + 2 * 32 * 64))
        #expect(allClose(layer(x).scalars, want.scalars, tolerance: 0.05), "max error \(maxAbsoluteDifference(layer(x).scalars, want.scalars))")
    }
}
