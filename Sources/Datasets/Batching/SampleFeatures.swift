/// Features computed outside the dataset for every one of its samples (`[samples × width]`,
/// row-major), with a presence flag per value. The data layer does not know what they mean —
/// the caller fills them (the consistency heads' surprises, say) and passes them to
/// `BatchBuilder.batch(_:extra:)`, which gathers the batch's rows into `Batch.extraFeatures`.
public struct SampleFeatures: Sendable {
    public var width: Int
    public var values: [Float]
    /// 1 where the value is present.
    public var present: [Float]

    public init(width: Int, values: [Float], present: [Float]) {
        precondition(values.count == present.count && (width == 0 ? values.isEmpty : values.count % width == 0), "sample feature shapes disagree")
        self.width = width; self.values = values; self.present = present
    }

    public var sampleCount: Int { width == 0 ? 0 : values.count / width }
}
