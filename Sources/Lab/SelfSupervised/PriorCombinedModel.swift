import Datasets
import Models

/// A classifier fitted on a few labelled rows, combined with the label-free score it started from:
/// the score is Fisher's combination of the two, the sum of their −log empirical tail shares among
/// the (unlabelled) training samples (`TailStandardizer`) — the rule the self-supervised columns
/// are combined by. The labels move the ranking only as far as the classifier is surer than the
/// pre-trained score, so a classifier fitted to the noise of 20 anomalies cannot undo what the
/// pre-training knew; where it found a pattern the pre-training missed, its tail wins.
///
/// The prior is the matrix's `prior` column (`surprise_ssl_score`, already a score for every
/// sample); `reference` holds the training samples' rows, on which both tails are fitted (the
/// classifier's after each fit).
final class PriorCombinedModel: ClassicalModel {
    let inner: any ClassicalModel
    let prior: Int
    let reference: FeatureMatrix
    let priorTail: TailStandardizer
    private var innerTail: TailStandardizer?

    init(_ inner: any ClassicalModel, prior: Int, reference: FeatureMatrix) {
        self.inner = inner; self.prior = prior; self.reference = reference
        priorTail = TailStandardizer(fitting: Self.column(prior, of: reference))
    }

    static func column(_ j: Int, of x: FeatureMatrix) -> [Float] { (0..<x.rows).map { x.values[$0 * x.columns + j] } }

    func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try inner.fit(train, labels: labels, valid: valid)
        innerTail = TailStandardizer(fitting: inner.score(reference))
    }

    func score(_ x: FeatureMatrix) -> [Float] {
        guard let innerTail else { preconditionFailure("the prior-combined model scored before it was fitted") }
        let priors = Self.column(prior, of: x)
        return zip(inner.score(x), priors).map { innerTail($0) + priorTail($1) }
    }

    var summary: String { inner.summary + ", combined with the pre-trained score (sum of their −log training tail shares)" }
}
