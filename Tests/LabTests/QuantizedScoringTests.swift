import Foundation
import Testing
import Datasets
import Support
@testable import Lab

/// `fusionlab score --quantize int8`: the same samples, scores within a stated tolerance of float.
@Suite(.serialized) struct QuantizedScoringTests {
    @Test func int8ScoresStayCloseToFloat() throws {
        let run = try ScoringTests.train([])
        let float = scratchDirectory() + "/float.csv", int8 = scratchDirectory() + "/int8.csv"
        _ = try RunScorer(runFolder: run).score(ScoringJob(data: tinyShop, split: .test, output: float))
        let quantized = try RunScorer(runFolder: run, quantization: .int8)
        #expect(quantized.quantization == .int8)
        _ = try quantized.score(ScoringJob(data: tinyShop, split: .test, output: int8))
        let want = ScoringTests.scores(float), got = ScoringTests.scores(int8)
        #expect(got.count == want.count && !want.isEmpty)
        var largest = 0.0, total = 0.0
        for (id, row) in want {
            let a = try #require(Double(row["score"] ?? "")), b = try #require(Double(got[id]?["score"] ?? ""))
            largest = max(largest, abs(a - b)); total += abs(a - b)
        }
        // Stated tolerance: every probability within 0.01 of float's; they are not all equal
        // (the int8 path really ran).
        #expect(largest <= 0.01, "largest |int8 − float| score difference \(largest)")
        #expect(total > 0)
    }

    @Test func anUnknownQuantizationIsNotAChoice() {
        #expect(WeightQuantization.named("int4") == nil)
        #expect(WeightQuantization.named("int8") == .int8)
        #expect(WeightQuantization.choices == "int8")
    }
}
