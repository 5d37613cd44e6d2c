import Foundation
import Support

/// A surprise column standardised on the training samples by its empirical tail: a value's
/// −log of the share of training samples at least as surprising, (count + 1) / (n + 1) as
/// ECOD's and PyOD's empirical tail probabilities — the `tail` surprise scaling of the
/// consistency evidence. Rank-based, so the unlabelled anomalies among the training samples
/// cannot stretch the scale, and columns with very different tail shapes (a head's nats, an
/// autoencoder's squared error) become comparable: each is a −log p-value, and their mean is
/// Fisher's combination of the tests. A value at or below the training median scores about
/// log 2 or less; a value beyond every training one scores log(n + 1).
///
/// `twoSided`: for a mean of many per-event log-likelihoods, where a window can be atypical by
/// being *too* predictable as well as too surprising (the typicality test of Nalisnick et al.
/// 2019: a typical sample's mean negative log-likelihood sits near the entropy), both tails
/// count: −log min(1, 2 · the smaller tail share).
public struct TailStandardizer: Sendable, Equatable {
    /// The training values, ascending.
    public var sorted: [Float]
    public var twoSided: Bool

    /// Fitted on the present (non-nil, finite) `values`.
    public init(fitting values: [Float], twoSided: Bool = false) {
        sorted = values.filter(\.isFinite).sorted()
        self.twoSided = twoSided
    }

    /// The standardised surprise; 0 where the value is absent or nothing was fitted.
    public func callAsFunction(_ value: Float?) -> Float {
        guard let value, value.isFinite, !sorted.isEmpty else { return 0 }
        let n = Double(sorted.count)
        let atLeast = n - Double(sorted.countBelow(value)), atMost = Double(sorted.countAtMost(value))
        let share = twoSided ? min(1, 2 * min(atLeast + 1, atMost + 1) / (n + 1)) : (atLeast + 1) / (n + 1)
        return Float(-log(share))
    }

    /// The lower tail's surprise, −log of the share of training values at most `value` (as
    /// `callAsFunction` of a standardiser fitted on the negated values, at −value; the same
    /// sorted values serve both tails). 0 where the value is absent or nothing was fitted.
    public func lower(_ value: Float?) -> Float {
        guard let value, value.isFinite, !sorted.isEmpty else { return 0 }
        let n = Double(sorted.count)
        return Float(-log((Double(sorted.countAtMost(value)) + 1) / (n + 1)))
    }
}
