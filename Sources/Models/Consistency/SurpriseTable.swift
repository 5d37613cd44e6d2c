import Datasets

/// Per-sample consistency surprises, `−log p(field | other modality)`, one column per head (two
/// for a per-event head: see `SurpriseColumn`; `heads` names the columns), for every sample of a
/// prepared dataset (`[samples × columns]`, row-major). Training samples'
/// values come from heads that did not see them (cross-fitting), so the classifier learns
/// from surprises as honest as the ones it will meet on new data. Batches carry them in their
/// opaque extra-features slot (`features`).
public struct SurpriseTable: Sendable {
    public var heads: [String]
    public var values: [Float]
    /// 1 where the head could judge the sample (its source and target were present).
    public var present: [Float]

    public init(heads: [String], values: [Float], present: [Float]) {
        precondition(values.count == present.count && (heads.isEmpty || values.count % heads.count == 0), "surprise table shapes disagree")
        self.heads = heads; self.values = values; self.present = present
    }

    public var sampleCount: Int { heads.isEmpty ? 0 : values.count / heads.count }

    public func value(sample: Int, head: Int) -> Float? {
        present[sample * heads.count + head] != 0 ? values[sample * heads.count + head] : nil
    }

    /// Marks `heads` as judging no sample: the evidence reads them as absent (value and presence
    /// 0), so it learns nothing from them — the column stays, keeping the evidence's input width.
    public mutating func removeHeads(_ removed: Set<Int>) {
        guard !removed.isEmpty else { return }
        let h = heads.count
        for i in 0..<sampleCount { for j in removed { values[i * h + j] = 0; present[i * h + j] = 0 } }
    }

    /// The table as the per-sample features a batch carries.
    public var features: SampleFeatures { SampleFeatures(width: heads.count, values: values, present: present) }
}
