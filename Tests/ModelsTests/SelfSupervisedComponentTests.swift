import Foundation
import Testing
import Tensor
import Datasets
@testable import Models

@Suite struct TabularAutoencoderTests {
    /// Rows on a 2-dimensional plane in 8 columns: after training, rows off the plane
    /// reconstruct far worse than held-out rows on it.
    @Test func rowsOffTheTrainingManifoldReconstructWorse() throws {
        var g = RandomGenerator(seed: 5)
        let width = 8, n = 600
        let basis = (0..<(2 * width)).map { _ in Float(g.nextNormal()) }
        var x = [Float](repeating: 0, count: n * width)
        for r in 0..<n {
            let (u, v) = (Float(g.nextNormal()), Float(g.nextNormal()))
            for c in 0..<width { x[r * width + c] = u * basis[c] + v * basis[width + c] }
        }
        // The last 50 rows: random directions of the same scale.
        for r in (n - 50)..<n { for c in 0..<width { x[r * width + c] = Float(g.nextNormal()) * 1.5 } }
        let model = TabularAutoencoder(width: width, seed: 1)
        try model.fit(x, rows: Array(0..<500), epochs: 60, batchSize: 50, seed: 2)
        let onPlane = model.reconstructionErrors(x, rows: Array(500..<550)), off = model.reconstructionErrors(x, rows: Array(550..<600))
        let mean = { (v: [Float]) in v.reduce(0, +) / Float(v.count) }
        #expect(mean(off) > 3 * mean(onPlane), "\(mean(off)) vs \(mean(onPlane))")
        // Scoring is deterministic and batch-independent.
        #expect(model.reconstructionErrors(x, rows: [560]) == [off[10]])
    }
}
