import Foundation
import Testing
import Tensor
@testable import Datasets
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

@Suite struct NeuralNextEventModelTests {
    /// Windows of `length` events whose event type cycles 1, 2, 3 and whose items are new each
    /// event (`normal`), or whose types are drawn at random and whose item repeats (the rest).
    static func sequences(normal: Int, odd: Int, length: Int = 12, seed: UInt64) -> SequenceFeatures {
        var g = RandomGenerator(seed: seed)
        let n = normal + odd
        var types = [Int32](repeating: 0, count: n * length), items = [Int32](repeating: 0, count: n * length)
        for i in 0..<n {
            let start = g.nextInt(below: 3), item = Int32(3 + g.nextInt(below: 200))
            for t in 0..<length {
                types[i * length + t] = i < normal ? Int32(1 + (start + t) % 3) : Int32(1 + g.nextInt(below: 3))
                items[i * length + t] = i < normal ? Int32(3 + g.nextInt(below: 400)) : item
            }
        }
        return SequenceFeatures(maxLength: length, lengths: [Int32](repeating: Int32(length), count: n),
                                tokenFields: [.init(name: "event_type", size: 4, values: types), .init(name: "item_id", size: 403, values: items)],
                                floatNames: [], floats: [])
    }

    /// The item relation per event: no item, first, the previous one again, an earlier one, a new one.
    @Test func itemRelationKnownValues() {
        // <pad> 0, <unk> 1, <missing> 2; items from 3.
        let items: [Int32] = [2, 5, 5, 6, 5, 1, 7, 2]
        let sequence = SequenceFeatures(maxLength: 8, lengths: [8], tokenFields: [.init(name: "event_type", size: 2, values: [Int32](repeating: 1, count: 8)),
                                                                                  .init(name: "item_id", size: 400, values: items)],
                                        floatNames: [], floats: [])
        let reader = EventFieldReader(sequence: sequence)
        #expect(reader.names == ["event_type", "item_relation"] && reader.sizes == [2, 5])
        #expect(reader.values(of: [0], in: sequence)[0]![1] == [0, 1, 2, 4, 3, 4, 4, 0])
    }

    /// Trained on cycling windows, the model finds held-out cycling windows far less surprising than
    /// windows of random types on one repeated item; scoring is deterministic.
    @Test func learnsTheTrainingWindowsRhythm() throws {
        let sequence = Self.sequences(normal: 300, odd: 20, seed: 3)
        let model = NeuralNextEventModel(fitting: sequence, samples: Array(0..<250), seed: 1)
        #expect(model.fieldNames == ["event_type", "item_relation"])
        try model.fit(sequence, samples: Array(0..<250), epochs: 6, seed: 2)
        let surprises = model.eventSurprises(sequence, samples: Array(250..<320))
        let means = surprises.map { NeuralNextEventModel.summary($0)!.mean }
        let normal = means[0..<50].reduce(0, +) / 50, odd = means[50...].reduce(0, +) / 20
        #expect(odd > normal + 1, "\(odd) vs \(normal)")
        #expect(means[0..<50].max()! < means[50...].min()!)
        // Deterministic; alone or in a batch the same up to the matrix kernels' rounding.
        #expect(model.eventSurprises(sequence, samples: Array(250..<320)) == surprises)
        #expect(zip(model.eventSurprises(sequence, samples: [260])[0], surprises[10]).allSatisfy { abs($0 - $1) < 1e-5 })
        // Limited to the event type, the surprise is that field's alone: smaller.
        let typeOnly = model.eventSurprises(sequence, samples: [300], fields: [0])[0]
        #expect(zip(typeOnly, surprises[50]).allSatisfy { $0 <= $1 } && typeOnly != surprises[50])
    }
}
