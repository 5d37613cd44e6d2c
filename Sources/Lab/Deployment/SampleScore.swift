import Foundation
import Datasets
import Support

/// One sample to score, as a labels.csv row: its id, the sequence key its events are found by
/// (`user_id`, or `session_id` when the run keyed sequences by session), and optionally the
/// user, target item, cutoff (unix seconds; default: the key's latest event) and known label.
/// Events, users and items come from the data the scorer was given (`ScoringData`), except the
/// rows given with the sample (`rows`: its user's profile row, its target item's attribute row,
/// its key's events), which stand in for the dataset's; `image`, when given, is scored in place
/// of the target item's picture.
public struct SampleInput: Sendable, Equatable {
    public var sampleID: String
    public var key: String
    public var userID: String?
    public var targetItemID: String?
    public var cutoff: Double?
    public var label: Float?
    public var anomalyType: String?
    public var image: RGBImage?
    public var rows: InlineRows?

    public init(sampleID: String, key: String, userID: String? = nil, targetItemID: String? = nil, cutoff: Double? = nil,
                label: Float? = nil, anomalyType: String? = nil, image: RGBImage? = nil, rows: InlineRows? = nil) {
        self.sampleID = sampleID; self.key = key; self.userID = userID; self.targetItemID = targetItemID; self.cutoff = cutoff
        self.label = label; self.anomalyType = anomalyType; self.image = image; self.rows = rows
    }

    /// The samples as a labels table (what preparation reads), keyed by `sequenceKey`.
    static func table(_ samples: [SampleInput], sequenceKey: String) -> AtomicTable {
        var columns = [Column.tokens("sample_id", samples.map(\.sampleID)), Column.tokens(sequenceKey, samples.map(\.key))]
        if sequenceKey != "user_id" { columns.append(Column.tokens("user_id", samples.map(\.userID))) }
        columns.append(Column.tokens("target_item_id", samples.map(\.targetItemID)))
        columns.append(Column.floats("cutoff", samples.map { $0.cutoff ?? .nan }))
        if samples.allSatisfy({ $0.label != nil }) { columns.append(Column.floats("label", samples.map { Double($0.label!) })) }
        columns.append(Column.tokens("anomaly_type", samples.map(\.anomalyType)))
        return AtomicTable(file: "the samples to score", columns: columns)
    }
}

/// One consistency check a sample failed: its surprise is above the run's explanation quantile
/// of normal training samples'.
public struct FailedCheck: Sendable, Equatable {
    /// The surprise column (`image_category`, `rating_vs_raters.max`, …).
    public var check: String
    /// The share of normal training samples it exceeds (0…1).
    public var percentile: Double
    /// In nats.
    public var surprise: Float
}

/// What scoring one sample gives: the run's score and decision, why (attribution, failed
/// checks in words) and what was missing.
public struct SampleScore: Sendable {
    public var sampleID: String
    /// The label the input carried, if any, and its anomaly type ("normal" for none).
    public var label: Float?
    public var anomalyType: String
    /// The run's split of the sample, when scoring re-made it (`--split`).
    public var split: SplitRole?
    /// The model's probability of an anomaly, and its logit.
    public var score: Double
    public var logit: Double
    /// `score >= threshold` (the threshold chosen on validation).
    public var predicted: Bool
    /// Per surprise column (`RunScorer.surpriseColumns`): the raw surprise in nats, nil where
    /// the head could not judge the sample.
    public var surprises: [Float?]
    public var failedChecks: [FailedCheck]
    /// The first failed check in a sentence ("the image suggests attributes.category_id = `bags`, …").
    public var explanation: String
    /// Per `RunScorer.attributionColumns` entry: how much the logit drops when that modality
    /// (or the consistency evidence) is masked; empty when attribution was not asked for.
    public var attribution: [Double]
    /// Modalities the model reads that this sample lacked (masked when scored).
    public var missingModalities: [Modality]
}
