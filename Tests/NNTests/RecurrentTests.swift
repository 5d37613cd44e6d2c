import Foundation
import Testing
import Tensor
import NN
import TestSupport

private func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// `W[row] · v` in Double.
private func dot(_ w: Tensor, _ row: Int, _ v: [Double]) -> Double {
    v.indices.reduce(0) { $0 + Double(w[row, $1]) * v[$1] }
}

private func parameter(_ module: some Module, _ name: String) -> Tensor {
    module.namedParameters().first { $0.name == name }!.tensor
}

/// A mask `[B, T]` with 1 for the first `lengths[b]` steps of each row.
private func lengthMask(_ lengths: [Int], steps: Int) -> Tensor {
    Tensor(lengths.flatMap { n in (0..<steps).map { $0 < n ? Float(1) : 0 } }, shape: [lengths.count, steps])
}

@Suite struct RecurrentCellTests {
    @Test func lstmCellGradients() throws {
        let gates = randomInput([2, 3, 12], seed: 1), hiddenGates = randomInput([2, 12], seed: 2)
        let h = randomInput([2, 3], seed: 3), c = randomInput([2, 3], seed: 4)
        let mask = Tensor([1, 1, 1, 1, 0, 0], shape: [2, 3])  // row 1 invalid at step 1: state carried
        for m in [nil, mask] {
            try checkGradients(of: [gates, hiddenGates, h, c]) {
                let (h1, c1) = lstmCell(inputGates: gates, step: 1, hiddenGates: hiddenGates, hidden: h, cell: c, mask: m)
                return concat([h1, c1 * 0.7], axis: 1)
            }
        }
        // First step: no hidden projection, rank-2 gates.
        let flat = randomInput([2, 12], seed: 5)
        try checkGradients(of: [flat, c]) {
            let (h1, c1) = lstmCell(inputGates: flat, step: 0, hiddenGates: nil, hidden: h.detached(), cell: c)
            return h1 + c1
        }
    }

    @Test func gruCellGradients() throws {
        let gates = randomInput([2, 3, 9], seed: 6), hiddenGates = randomInput([2, 9], seed: 7)
        let bias = randomInput([9], seed: 8), h = randomInput([2, 3], seed: 9)
        let mask = Tensor([1, 0, 1, 1, 1, 1], shape: [2, 3])  // row 0 invalid at step 1
        for m in [nil, mask] {
            try checkGradients(of: [gates, hiddenGates, bias, h]) {
                gruCell(inputGates: gates, step: 1, hiddenGates: hiddenGates, hiddenBias: bias, hidden: h, mask: m)
            }
        }
        try checkGradients(of: [gates, bias, h]) {
            gruCell(inputGates: gates, step: 2, hiddenGates: nil, hiddenBias: bias, hidden: h)
        }
    }

    @Test func maskedStepCarriesStateExactly() {
        let gates = randomInput([2, 1, 8], seed: 10), hg = randomInput([2, 8], seed: 11)
        let h = randomInput([2, 2], seed: 12), c = randomInput([2, 2], seed: 13)
        let mask = Tensor([0, 1], shape: [2, 1])
        let (h1, c1) = lstmCell(inputGates: gates, step: 0, hiddenGates: hg, hidden: h, cell: c, mask: mask)
        #expect(Array(h1.scalars[0..<2]) == Array(h.scalars[0..<2]) && Array(c1.scalars[0..<2]) == Array(c.scalars[0..<2]))
        #expect(Array(h1.scalars[2..<4]) != Array(h.scalars[2..<4]))
        let hg3 = randomInput([2, 6], seed: 14)
        let g1 = gruCell(inputGates: randomInput([2, 1, 6], seed: 15), step: 0, hiddenGates: hg3, hiddenBias: nil, hidden: h, mask: mask)
        #expect(Array(g1.scalars[0..<2]) == Array(h.scalars[0..<2]))
    }
}

@Suite struct RecurrentLayerTests {
    /// Two steps of the PyTorch LSTM equations, by hand, for batch row 0.
    @Test func lstmMatchesHandComputedGates() {
        var g = RandomGenerator(seed: 20)
        let lstm = LSTM(inputSize: 2, hiddenSize: 3, generator: &g)
        let x = randomInput([1, 2, 2], seed: 21)
        let (wih, whh) = (parameter(lstm, "weight_ih_l0"), parameter(lstm, "weight_hh_l0"))
        let (bih, bhh) = (parameter(lstm, "bias_ih_l0"), parameter(lstm, "bias_hh_l0"))
        var h = [Double](repeating: 0, count: 3), c = [Double](repeating: 0, count: 3)
        var expected: [Double] = []
        for t in 0..<2 {
            let xt = [Double(x[0, t, 0]), Double(x[0, t, 1])]
            func pre(_ row: Int) -> Double { dot(wih, row, xt) + Double(bih[row]) + dot(whh, row, h) + Double(bhh[row]) }
            let gates = (0..<3).map { j in (i: sigmoid(pre(j)), f: sigmoid(pre(3 + j)), g: Foundation.tanh(pre(6 + j)), o: sigmoid(pre(9 + j))) }
            c = (0..<3).map { gates[$0].f * c[$0] + gates[$0].i * gates[$0].g }
            h = (0..<3).map { gates[$0].o * Foundation.tanh(c[$0]) }
            expected += h
        }
        let out = lstm(x)
        #expect(allClose(out.outputs.scalars, expected, tolerance: 1e-5))
        #expect(allClose(out.lastHidden.scalars, h, tolerance: 1e-5))
        #expect(allClose(out.lastCell!.scalars, c, tolerance: 1e-5))
    }

    /// Two steps of the PyTorch GRU equations, by hand: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
    @Test func gruMatchesHandComputedGates() {
        var g = RandomGenerator(seed: 22)
        let gru = GRU(inputSize: 2, hiddenSize: 3, generator: &g)
        let x = randomInput([1, 2, 2], seed: 23)
        let (wih, whh) = (parameter(gru, "weight_ih_l0"), parameter(gru, "weight_hh_l0"))
        let (bih, bhh) = (parameter(gru, "bias_ih_l0"), parameter(gru, "bias_hh_l0"))
        var h = [Double](repeating: 0, count: 3)
        var expected: [Double] = []
        for t in 0..<2 {
            let xt = [Double(x[0, t, 0]), Double(x[0, t, 1])]
            func inputPart(_ row: Int) -> Double { dot(wih, row, xt) + Double(bih[row]) }
            func hiddenPart(_ row: Int) -> Double { dot(whh, row, h) + Double(bhh[row]) }
            h = (0..<3).map { j in
                let r = sigmoid(inputPart(j) + hiddenPart(j))
                let z = sigmoid(inputPart(3 + j) + hiddenPart(3 + j))
                let n = Foundation.tanh(inputPart(6 + j) + r * hiddenPart(6 + j))
                return (1 - z) * n + z * h[j]
            }
            expected += h
        }
        let out = gru(x)
        #expect(allClose(out.outputs.scalars, expected, tolerance: 1e-5))
        #expect(allClose(out.lastHidden.scalars, h, tolerance: 1e-5))
        #expect(out.lastCell == nil)
    }

    @Test func parameterNamesMatchPyTorch() {
        var g = RandomGenerator(seed: 24)
        let lstm = LSTM(inputSize: 5, hiddenSize: 3, layers: 2, bidirectional: true, dropout: 0.2, generator: &g)
        var expected: [String] = []
        for layer in 0..<2 {
            for suffix in ["", "_reverse"] {
                let input = layer == 0 ? 5 : 6
                expected += ["weight_ih_l\(layer)\(suffix) [12, \(input)]", "weight_hh_l\(layer)\(suffix) [12, 3]",
                             "bias_ih_l\(layer)\(suffix) [12]", "bias_hh_l\(layer)\(suffix) [12]"]
            }
        }
        #expect(lstm.namedParameters().map { "\($0.name) \($0.tensor.shape)" } == expected)
        let gru = GRU(inputSize: 4, hiddenSize: 2, bias: false, generator: &g)
        #expect(gru.namedParameters().map { "\($0.name) \($0.tensor.shape)" } == ["weight_ih_l0 [6, 4]", "weight_hh_l0 [6, 2]"])
        // PyTorch's init: uniform in ±1/√H.
        #expect(lstm.namedParameters().allSatisfy { $0.tensor.scalars.allSatisfy { Swift.abs($0) <= 1 / Float(3).squareRoot() } })
    }

    @Test(arguments: [false, true])
    func lstmGradients(bidirectional: Bool) throws {
        var g = RandomGenerator(seed: 25)
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, bidirectional: bidirectional, generator: &g)
        let x = randomInput([3, 4, 3], seed: 26)
        let mask = lengthMask([4, 2, 1], steps: 4)
        for m in [nil, mask] {
            try checkGradients(of: lstm, inputs: [x]) {
                let out = lstm(x, mask: m)
                return concat([out.outputs.reshaped([3, -1]), out.lastHidden, out.lastCell!], axis: 1)
            }
        }
    }

    @Test(arguments: [false, true])
    func gruGradients(bidirectional: Bool) throws {
        var g = RandomGenerator(seed: 27)
        let gru = GRU(inputSize: 3, hiddenSize: 4, bidirectional: bidirectional, generator: &g)
        let x = randomInput([3, 4, 3], seed: 28)
        let mask = lengthMask([3, 4, 1], steps: 4)
        for m in [nil, mask] {
            try checkGradients(of: gru, inputs: [x]) {
                let out = gru(x, mask: m)
                return concat([out.outputs.reshaped([3, -1]), out.lastHidden], axis: 1)
            }
        }
    }

    @Test func stackedBidirectionalGradients() throws {
        var g = RandomGenerator(seed: 29)
        let lstm = LSTM(inputSize: 2, hiddenSize: 3, layers: 2, bidirectional: true, generator: &g)
        let gru = GRU(inputSize: 2, hiddenSize: 3, layers: 2, bidirectional: true, dropout: 0.3, generator: &g)
        gru.eval()  // inter-layer dropout off for a deterministic function
        let x = randomInput([2, 3, 2], seed: 30)
        let mask = lengthMask([3, 2], steps: 3)
        try checkGradients(of: lstm, inputs: [x]) { lstm(x, mask: mask).outputs }
        try checkGradients(of: gru, inputs: [x]) { concat([gru(x, mask: mask).outputs.reshaped([2, -1]), gru(x, mask: mask).lastHidden], axis: 1) }
    }

    /// A padded batch must give, row by row, exactly what each sequence gives alone at its own
    /// length: outputs equal up to the length and zero after it, final states equal.
    @Test func maskMatchesUnpaddedSequences() {
        var g = RandomGenerator(seed: 31)
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, generator: &g)
        let gru = GRU(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, generator: &g)
        let lengths = [5, 3, 1]
        let x = randomInput([3, 5, 3], seed: 32)
        let mask = lengthMask(lengths, steps: 5)
        let runs: [(Tensor, Tensor?) -> RecurrentOutput] = [{ lstm($0, mask: $1) }, { gru($0, mask: $1) }]
        for run in runs {
            let batched = run(x, mask)
            for (b, n) in lengths.enumerated() {
                let alone = run(x.slice(axis: 0, b..<(b + 1)).slice(axis: 1, 0..<n), nil)
                let rows = batched.outputs.slice(axis: 0, b..<(b + 1))
                #expect(maxDifference(rows.slice(axis: 1, 0..<n).scalars, alone.outputs.scalars) < 1e-5)
                if n < 5 { #expect(rows.slice(axis: 1, n..<5).scalars.allSatisfy { $0 == 0 }) }
                #expect(maxDifference(batched.lastHidden.slice(axis: 0, b..<(b + 1)).scalars, alone.lastHidden.scalars) < 1e-5)
                if let cell = batched.lastCell {
                    #expect(maxDifference(cell.slice(axis: 0, b..<(b + 1)).scalars, alone.lastCell!.scalars) < 1e-5)
                }
            }
        }
    }

    @Test func shapes() {
        var g = RandomGenerator(seed: 33)
        let lstm = LSTM(inputSize: 3, hiddenSize: 5, layers: 3, bidirectional: true, generator: &g)
        let out = lstm(randomInput([2, 7, 3], seed: 34))
        #expect(out.outputs.shape == [2, 7, 10] && out.lastHidden.shape == [2, 10] && out.lastCell?.shape == [2, 10])
        // The last forward output is the forward final state; the first reverse output the reverse one.
        #expect((0..<5).allSatisfy { out.outputs[1, 6, $0] == out.lastHidden[1, $0] })
        #expect((5..<10).allSatisfy { out.outputs[1, 0, $0] == out.lastHidden[1, $0] })
    }
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float { Float(maxAbsoluteDifference(a, b)) }
