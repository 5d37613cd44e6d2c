import Foundation
import Testing
import Models
import Datasets
import TestSupport
@testable import Lab

/// Known values of the two ways surprises reach the classifier.
@Suite struct SurpriseScalingTests {
    // Four training samples with surprises 1…4 (sorted), then a validation sample of 3, one of
    // 10 (beyond every training value), one of 0, and one the head could not judge.
    let fit = ConsistencyFit(specs: [], raw: SurpriseTable(heads: ["h"], values: [4, 1, 3, 2, 3, 10, 0, 7], present: [1, 1, 1, 1, 1, 1, 1, 0]),
                             trainingSurprises: [[1, 2, 3, 4]], likeliest: [])

    @Test func standardIsTheTrainingZScore() {
        let z = fit.scaled(.standard).values
        let std = Float(1.25).squareRoot()
        let want = [1.5 / std, -1.5 / std, 0.5 / std, -0.5 / std, 0.5 / std, 7.5 / std, -2.5 / std, 0]
        #expect(allClose(z, want, tolerance: 1e-6), "\(z) vs \(want)")
    }

    @Test func tailIsMinusTheLogOfTheShareAtLeastAsSurprising() {
        let t = fit.scaled(.tail).values
        // (#training ≥ value + 1) / (4 + 1): 4 → 2/5, 1 → 5/5, 3 → 3/5, 10 → 1/5, 0 → 5/5; unjudged → 0.
        let want = [-log(Float(2) / 5), 0, -log(Float(3) / 5), -log(Float(4) / 5), -log(Float(3) / 5), -log(Float(1) / 5), 0, 0]
        #expect(allClose(t, want, tolerance: 1e-6), "\(t) vs \(want)")
        #expect(fit.percentile(3, head: 0) == 0.5)
    }
}
