import Testing
import Tensor
import Datasets
import Models

/// `modality_dropout` masks whole modalities per training row, never all of a row's present
/// ones, and never in eval mode.
@Suite struct ModalityDropoutTests {
    /// 64 rows: 0–7 have one modality (row r has modality r % 4), 8–15 two, 16–19 none, the rest all four.
    static func batch() -> Batch {
        var batch = Fixture.batch(size: 64, seed: 4)
        let mask = Tensor(ones: [64, 4])
        for r in 0..<8 { for k in 0..<4 where k != r % 4 { mask[r, k] = 0 } }
        for r in 8..<16 { for k in 0..<4 where k != r % 4 && k != (r + 1) % 4 { mask[r, k] = 0 } }
        for r in 16..<20 { for k in 0..<4 { mask[r, k] = 0 } }
        batch.modalityMask = mask
        return batch
    }

    @Test func trainingMasksSomeModalitiesButNeverAllOfARow() throws {
        let model = try Fixture.model(["modality_dropout=0.5"])
        model.train(true)
        let batch = Self.batch()
        var dropped = [Int](repeating: 0, count: 4), fullRows = 0
        var masks: [[Float]] = []
        for _ in 0..<6 {
            let out = model(batch)
            masks.append(out.mask.scalars)
            let weights = try #require(out.modalityWeights)
            for r in 0..<64 {
                let given = (0..<4).map { batch.modalityMask[r, $0] }, kept = (0..<4).map { out.mask[r, $0] }
                // Only present modalities can be kept; a row keeps at least one of them.
                #expect(zip(given, kept).allSatisfy { $0.1 <= $0.0 }, "row \(r)")
                if given.contains(1) { #expect(kept.contains(1), "row \(r) lost every modality") }
                // A single present modality is never dropped.
                if r < 8 { #expect(kept == given, "row \(r)") }
                // The fusion gives masked modalities no weight.
                for k in 0..<4 where kept[k] == 0 && given.contains(1) { #expect(weights[r, k] == 0, "row \(r), modality \(k)") }
                if r >= 20 {
                    fullRows += 1
                    for k in 0..<4 where kept[k] == 0 { dropped[k] += 1 }
                }
            }
        }
        // Each of the 4 modalities of a full row goes with probability about 0.5 (a little
        // less: a row that would lose all four keeps one). 264 full rows per modality.
        for k in 0..<4 {
            let rate = Double(dropped[k]) / Double(fullRows)
            #expect(rate > 0.3 && rate < 0.65, "modality \(k) dropped in \(rate) of full rows")
        }
        // The draw is new on every call.
        #expect(Set(masks).count == masks.count)
        // Rows with two modalities sometimes lose one.
        func keptCount(_ m: [Float], row r: Int) -> Float { m[(r * 4)..<(r * 4 + 4)].reduce(0, +) }
        let twoBecameOne = masks.contains { m in (8..<16).contains { keptCount(m, row: $0) == 1 } }
        #expect(twoBecameOne)
    }

    @Test func evalModeMasksNothing() throws {
        let model = try Fixture.model(["modality_dropout=0.5"])
        model.eval()
        let batch = Self.batch()
        for _ in 0..<3 { #expect(model(batch).mask.scalars == batch.modalityMask.scalars) }
        // Nor does training without modality dropout.
        let plain = try Fixture.model()
        plain.train(true)
        #expect(plain(batch).mask.scalars == batch.modalityMask.scalars)
    }
}
