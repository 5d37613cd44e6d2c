import Foundation
import Testing
import Tensor
import TestSupport

/// Every differentiable op against finite differences: one line per op and case.
@Suite struct OpGradientTests {
    let a = randomInput([3, 4], seed: 1)
    let b = randomInput([3, 4], seed: 2)
    let row = randomInput([4], seed: 3)
    let column = randomInput([3, 1], seed: 4)
    let positive = (randomInput([3, 4], seed: 5).abs() + 0.5).detached().requiringGrad()

    @Test func addBroadcast() throws {
        try checkGradients(of: [a, b]) { a + b }
        try checkGradients(of: [a, row]) { a + row }
        try checkGradients(of: [column, row]) { column + row }
        try checkGradients(of: [a]) { a + 3 }
    }
    @Test func subBroadcast() throws {
        try checkGradients(of: [a, row]) { a - row }
        try checkGradients(of: [column, a]) { column - a }
        try checkGradients(of: [a]) { 2 - a }
    }
    @Test func mulBroadcast() throws {
        try checkGradients(of: [a, b]) { a * b }
        try checkGradients(of: [a, column]) { a * column }
        try checkGradients(of: [a]) { a * 1.5 }
    }
    @Test func divBroadcast() throws {
        try checkGradients(of: [a, positive]) { a / positive }
        try checkGradients(of: [a, row]) { a / (row.abs() + 1) }
    }
    @Test func unary() throws {
        try checkGradients(of: [a]) { a.exp() }
        try checkGradients(of: [positive]) { positive.log() }
        try checkGradients(of: [positive]) { positive.sqrt() }
        try checkGradients(of: [positive]) { positive.pow(2.5) }
        try checkGradients(of: [a]) { a.square() }
        try checkGradients(of: [a]) { a.tanh() }
        try checkGradients(of: [a]) { a.sigmoid() }
        try checkGradients(of: [a]) { a.gelu() }
        try checkGradients(of: [a]) { a.relu() }  // random normals sit far from the kink at ε = 1e-2
        try checkGradients(of: [a]) { a.softplus() }
        try checkGradients(of: [positive]) { positive.logExpm1() }
        try checkGradients(of: [a, b]) { (a.softplus() + b.softplus()).logExpm1() }  // the noisy-OR of two logits
    }
    @Test func softplusAndItsInverseKnownValues() {
        let x = Tensor([-100, -3, 0, 2, 100], shape: [5])
        let y = x.softplus()
        #expect(Swift.abs(y.pointer[2] - logf(2)) < 1e-6)
        #expect(y.pointer[4] == 100 && y.pointer[0] > 0 && y.pointer[0] < 1e-40)
        let back = Tensor([Float(-3).softplusValue, 0.5, 2, 100], shape: [4]).logExpm1()
        #expect(allClose((0..<4).map { back.pointer[$0] }, [-3, logf(expm1f(0.5)), logf(expm1f(2)), 100] as [Float], tolerance: 1e-5))
    }
    @Test func reductions() throws {
        let x = randomInput([2, 3, 4], seed: 6)
        try checkGradients(of: [x]) { x.sum() }
        try checkGradients(of: [x]) { x.sum(axis: 1) }
        try checkGradients(of: [x]) { x.sum(axes: [0, 2], keepDims: true) }
        try checkGradients(of: [x]) { x.mean(axis: -1) }
        try checkGradients(of: [x]) { x.max(axis: 1) }
        try checkGradients(of: [x]) { x.max(axis: 2, keepDims: true) }
    }
    @Test func matmulAllTransposes() throws {
        for ta in [false, true] {
            for tb in [false, true] {
                let x = randomInput(ta ? [5, 3] : [3, 5], seed: 7)
                let w = randomInput(tb ? [4, 5] : [5, 4], seed: 8)
                try checkGradients(of: [x, w]) { matmul(x, w, transposeA: ta, transposeB: tb) }
                let bx = randomInput(ta ? [2, 5, 3] : [2, 3, 5], seed: 9)
                let bw = randomInput(tb ? [2, 4, 5] : [2, 5, 4], seed: 10)
                try checkGradients(of: [bx, bw]) { matmul(bx, bw, transposeA: ta, transposeB: tb) }
                try checkGradients(of: [bx, w]) { matmul(bx, w, transposeA: ta, transposeB: tb) }  // shared weight
            }
        }
    }
    @Test func layout() throws {
        let x = randomInput([2, 3, 4], seed: 11)
        try checkGradients(of: [x]) { x.reshaped([6, 4]) }
        try checkGradients(of: [x]) { x.permuted([2, 0, 1]) }
        try checkGradients(of: [x]) { x.permuted([1, 0, 2]) }
        try checkGradients(of: [x]) { x.transposed() }
        try checkGradients(of: [x]) { x.slice(axis: 1, 1..<3) }
        try checkGradients(of: [x]) { x.split(axis: 2, sizes: [1, 3])[1] * 2 }
        try checkGradients(of: [x]) { x.slice(axis: 0, 0..<1).expanded(to: [3, 3, 4]) }
        let y = randomInput([2, 2, 4], seed: 12)
        try checkGradients(of: [x, y]) { concat([x, y], axis: 1) }
        try checkGradients(of: [x]) { stack([x, x * 2], axis: 1) }
    }
    @Test func indexing() throws {
        let table = randomInput([5, 3], seed: 13)
        let ids = IndexTensor([0, 2, 2, 4, 1, 0], shape: [2, 3])
        try checkGradients(of: [table]) { table.gatherRows(ids) }
        let mask = Tensor([0, 1, 0, 0], shape: [4])
        try checkGradients(of: [a]) { a.maskedFill(mask, with: -5) }
        let cond = Tensor([1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1], shape: [3, 4])
        try checkGradients(of: [a, b]) { where_(cond, a, b) }
        try checkGradients(of: [a, row]) { where_(cond, a, row) }
    }
    @Test func softmaxFamily() throws {
        let x = randomInput([2, 3, 4], seed: 14)
        try checkGradients(of: [x]) { x.softmax(axis: -1) }
        try checkGradients(of: [x]) { x.softmax(axis: 1) }
        try checkGradients(of: [x]) { x.logSoftmax(axis: -1) }
        try checkGradients(of: [x]) { x.logSoftmax(axis: 0) }
    }
    @Test func layerNorm() throws {
        let x = randomInput([4, 6], seed: 15)
        let w = randomInput([6], seed: 16), bias = randomInput([6], seed: 17)
        try checkGradients(of: [x, w, bias]) { x.layerNorm(weight: w, bias: bias) }
        try checkGradients(of: [x]) { x.layerNorm(weight: nil, bias: nil) }
    }
    @Test func dropout() throws {
        let x = randomInput([8, 8], seed: 18)
        try checkGradients(of: [x]) {
            var g = RandomGenerator(seed: 3)
            return x.dropout(probability: 0.3, generator: &g)
        }
    }
    @Test func convolution() throws {
        let x = randomInput([2, 3, 6, 5], seed: 19)
        let w = randomInput([4, 3, 3, 3], seed: 20, scale: 0.3), bias = randomInput([4], seed: 21)
        try checkGradients(of: [x, w, bias]) { conv2d(x, weight: w, bias: bias) }
        try checkGradients(of: [x, w, bias]) { conv2d(x, weight: w, bias: bias, stride: (2, 2), padding: (1, 1)) }
        try checkGradients(of: [x, w]) { conv2d(x, weight: w, bias: nil, stride: (1, 2), padding: (2, 0)) }
        let s = randomInput([2, 3, 7], seed: 22)
        let k = randomInput([4, 3, 3], seed: 23, scale: 0.3)
        try checkGradients(of: [s, k, bias]) { conv1d(s, weight: k, bias: bias, stride: 2, padding: 1) }
    }
    @Test func pooling() throws {
        let x = randomInput([2, 2, 6, 6], seed: 24)
        try checkGradients(of: [x]) { x.maxPool2d(kernel: (2, 2)) }
        try checkGradients(of: [x]) { x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try checkGradients(of: [x]) { x.avgPool2d(kernel: (2, 2)) }
        try checkGradients(of: [x]) { x.avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try checkGradients(of: [x]) { x.globalAvgPool2d() }
    }
    @Test func chainedExpressionReusesInputs() throws {
        // x appears on several paths: gradients from each must add up.
        try checkGradients(of: [a, row]) { ((a * row).tanh() + a.sigmoid() * a).softmax(axis: 1) }
    }
}

@Suite struct GradientCheckerTests {
    @Test func catchesAWrongGradient() {
        // Treating one factor as a constant halves d(x²)/dx: the checker must object.
        let x = randomInput([3, 3], seed: 30)
        #expect(throws: GradientCheckFailure.self) {
            try checkGradients(of: [x]) { x.detached() * x }
        }
    }
    @Test func catchesAMissingGradient() {
        let x = randomInput([4], seed: 31)
        #expect(throws: GradientCheckFailure.self) {
            try checkGradients(of: [x]) { x.detached().exp() + x * 0 }
        }
    }
}

private extension Float {
    var softplusValue: Float { log1pf(expf(self)) }
}
