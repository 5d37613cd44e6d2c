import CKernels
import Testing
import Tensor

/// The 2×2 max-pooling kernels (with the fused ReLU, and the gradient scatter): known values, and
/// the AVX-512 path against the portable one bit for bit (ties, NaN, −0, odd sizes, rows of more
/// than 16 windows).
@Suite(.serialized) struct PoolingKernelTests {
    private func pool(_ x: [Float], rowLength: Int, rows: Int, relu: Bool) -> (y: [Float], argmax: [Int32]) {
        let (ho, wo) = (rows / 2, rowLength / 2)
        var y = [Float](repeating: 7, count: ho * wo), argmax = [Int32](repeating: -1, count: ho * wo)
        fl_max_pool2x2(x, rowLength, &y, ho, wo, &argmax, relu ? 1 : 0)
        return (y, argmax)
    }

    private func scatter(_ g: [Float], pooled: [Float], argmax: [Int32], rowLength: Int, rows: Int) -> [Float] {
        var dx = [Float](repeating: 9, count: rowLength * rows)
        fl_max_pool2x2_scatter(g, pooled, argmax, rows / 2, rowLength / 2, &dx, rowLength, rows)
        return dx
    }

    @Test func knownValues() {
        // A 3×5 plane: two windows (the last column and row are covered by none). The first window
        // ties 2 and 2 (the first wins, index 1); the second is all negative: its maximum −1 at
        // index 3, and with the ReLU 0 at its first position (index 2).
        let x: [Float] = [1, 2, -3, -1, 4,
                          2, 0, -2, -5, 4,
                          9, 9, 9, 9, 9]
        for native in [false, true] {
            fl_kernels_force_portable(native ? 0 : 1)
            defer { fl_kernels_force_portable(0) }
            let plain = pool(x, rowLength: 5, rows: 3, relu: false)
            #expect(plain.y == [2, -1] && plain.argmax == [1, 3])
            let relu = pool(x, rowLength: 5, rows: 3, relu: true)
            #expect(relu.y == [2, 0] && relu.argmax == [1, 2])
            // The gradient reaches the first window's argmax; the second's pooled value is 0, so none.
            let dx = scatter([0.5, 3], pooled: relu.y, argmax: relu.argmax, rowLength: 5, rows: 3)
            #expect(dx == [0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        }
    }

    @Test func avx512PathGivesThePortableBits() {
        var g = RandomGenerator(seed: 31)
        for (rows, rowLength) in [(32, 32), (16, 16), (8, 8), (5, 7), (2, 2), (3, 3), (6, 70), (2, 33), (9, 2), (4, 3)] {
            // Values drawn so that ties, zeros of both signs and NaN are common.
            let draws = Tensor(normal: [rows * rowLength], generator: &g).scalars
            let x: [Float] = draws.map { d in
                switch Int((d * 1000).magnitude) % 8 {
                case 0: 0
                case 1: -0.0
                case 2: .nan
                case 3: 1
                default: d
                }
            }
            let gradient = Tensor(normal: [(rows / 2) * (rowLength / 2)], generator: &g).scalars
            for relu in [false, true] {
                fl_kernels_force_portable(1)
                let portable = pool(x, rowLength: rowLength, rows: rows, relu: relu)
                let portableScatter = scatter(gradient, pooled: portable.y, argmax: portable.argmax, rowLength: rowLength, rows: rows)
                fl_kernels_force_portable(0)
                let native = pool(x, rowLength: rowLength, rows: rows, relu: relu)
                let nativeScatter = scatter(gradient, pooled: portable.y, argmax: portable.argmax, rowLength: rowLength, rows: rows)
                // Bit patterns: NaN compares unequal to itself.
                #expect(portable.y.map(\.bitPattern) == native.y.map(\.bitPattern), "\(rows)×\(rowLength), relu \(relu)")
                #expect(portable.argmax == native.argmax, "\(rows)×\(rowLength), relu \(relu)")
                #expect(portableScatter.map(\.bitPattern) == nativeScatter.map(\.bitPattern), "\(rows)×\(rowLength), relu \(relu)")
            }
        }
    }
}
