import Datasets
import Models

/// Classifiers fitted on a few labelled rows, combined with the label-free score they started
/// from: the score is Fisher's combination of them all, the sum of their −log empirical tail
/// shares among the (unlabelled) training samples (`TailStandardizer`) — the rule the
/// self-supervised columns are combined by. The labels move the ranking only as far as a
/// classifier is surer than the pre-trained score, so a classifier fitted to the noise of 20
/// anomalies cannot undo what the pre-training knew; where it found a pattern the pre-training
/// missed, its tail wins. Classifiers of different kinds (a linear model and a forest) add what
/// each sees that the other cannot.
///
/// The prior is the matrix's `prior` column (`surprise_ssl_score`, already a score for every
/// sample); `reference` holds the training samples' rows, on which every tail is fitted (the
/// classifiers' after each fit).
final class PriorCombinedModel: ClassicalModel {
    let inner: [any ClassicalModel]
    let prior: Int
    let reference: FeatureMatrix
    let priorTail: TailStandardizer
    private var innerTails: [TailStandardizer] = []

    init(_ inner: [any ClassicalModel], prior: Int, reference: FeatureMatrix) {
        precondition(!inner.isEmpty, "a prior-combined model combines at least one classifier with the prior")
        self.inner = inner; self.prior = prior; self.reference = reference
        priorTail = TailStandardizer(fitting: Self.column(prior, of: reference))
    }

    static func column(_ j: Int, of x: FeatureMatrix) -> [Float] { (0..<x.rows).map { x.values[$0 * x.columns + j] } }

    func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        innerTails = []
        for model in inner { try model.fit(train, labels: labels, valid: valid) }
        innerTails = inner.map { TailStandardizer(fitting: $0.score(reference)) }
    }

    func score(_ x: FeatureMatrix) -> [Float] {
        guard innerTails.count == inner.count else { preconditionFailure("the prior-combined model scored before it was fitted") }
        // Summed in the classifiers' order, then the prior's tail.
        var total = [Float](repeating: 0, count: x.rows)
        for (model, tail) in zip(inner, innerTails) {
            for (i, v) in model.score(x).enumerated() { total[i] += tail(v) }
        }
        for (i, v) in Self.column(prior, of: x).enumerated() { total[i] += priorTail(v) }
        return total
    }

    var summary: String {
        inner.map(\.summary).joined(separator: " and ") + ", combined with the pre-trained score (sum of their −log training tail shares)"
    }
}
