import Foundation
import Testing
import Tensor
import NN
import TestSupport

@Suite struct ContrastiveLossTests {
    @Test func gradientsMatchFiniteDifferences() throws {
        let a = randomInput([5, 4], seed: 11), b = randomInput([5, 4], seed: 12)
        try checkGradients(of: [a, b], names: ["a", "b"]) { infoNCELoss(a, b, temperature: 0.5) }
        try checkGradients(of: [a]) { l2NormalizedRows(a) }
        try checkGradients(of: [a, b]) { alignmentLogits(a, b, temperature: 0.2) }
    }

    @Test func knownValues() {
        // Identical rows: every pair as likely as the true one, −log(1/B) = log B.
        let same = Tensor([1, 2, 1, 2, 1, 2], shape: [3, 2])
        #expect(abs(infoNCELoss(same, same, temperature: 1).item - logf(3)) < 1e-5)
        // Orthonormal pairs at a low temperature: the true pair takes all the mass.
        let eye = Tensor([1, 0, 0, 1], shape: [2, 2])
        #expect(infoNCELoss(eye, eye, temperature: 0.01).item < 1e-6)
        // Two rows, cosines 1 (own) and 0 (other) at temperature 1: log(1 + e^-1) each way.
        #expect(abs(infoNCELoss(eye, eye, temperature: 1).item - logf(1 + expf(-1))) < 1e-5)
        // Normalisation ignores the scale of a row.
        let scaled = Tensor([3, 0, 0, 0.5], shape: [2, 2])
        #expect(abs(infoNCELoss(scaled, eye, temperature: 1).item - logf(1 + expf(-1))) < 1e-5)
    }
}
