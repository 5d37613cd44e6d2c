import Tensor

/// One mini-batch of model inputs, as tensors. Rows follow `samples` (indices into the
/// prepared dataset). Every modality is always present in shape; `modalityMask` says which
/// rows really have it (1) and which are missing or masked (0).
public struct Batch {
    public var samples: [Int]
    /// Token fields `[B, L]` by name (`event_type`, `item_id`, …); 0 = padding.
    public var sequenceTokens: [String: IndexTensor]
    /// Extra per-event floats `[B, L, F]` (F may be 0).
    public var sequenceFloats: Tensor
    /// `[B × L × F]`, 1 where a per-event float was missing (nil: none is).
    public var sequenceFloatMissing: [UInt8]?
    /// `[B, L]`, 1 where the position is padding (PyTorch's key_padding_mask convention).
    public var sequencePadding: Tensor
    public var sequenceLengths: [Int32]
    public var profileFloats: Tensor?
    public var profileCategorical: IndexTensor?
    public var attributeFloats: Tensor?
    public var attributeCategorical: IndexTensor?
    /// `[B, 3, H, W]` normalised images (zeros where missing).
    public var images: Tensor?
    /// `[B, 4]` in `Modality` order.
    public var modalityMask: Tensor
    /// `[B]` 0/1 labels.
    public var labels: Tensor
    /// Auxiliary classes (−1 = unseen type).
    public var anomalyClasses: [Int32]
    /// Per-sample features computed outside the dataset, `[B, F]` (nil when none), and `[B, F]`
    /// 1 where a value is present: filled from the `SampleFeatures` the caller passes to
    /// `BatchBuilder.batch(_:extra:)`; what they mean is the model's business.
    public var extraFeatures: Tensor?
    public var extraPresent: Tensor?

    public var size: Int { samples.count }

    public init(samples: [Int], sequenceTokens: [String: IndexTensor], sequenceFloats: Tensor, sequencePadding: Tensor,
                sequenceLengths: [Int32], profileFloats: Tensor?, profileCategorical: IndexTensor?, attributeFloats: Tensor?,
                attributeCategorical: IndexTensor?, images: Tensor?, modalityMask: Tensor, labels: Tensor, anomalyClasses: [Int32]) {
        self.samples = samples; self.sequenceTokens = sequenceTokens; self.sequenceFloats = sequenceFloats
        self.sequencePadding = sequencePadding; self.sequenceLengths = sequenceLengths
        self.profileFloats = profileFloats; self.profileCategorical = profileCategorical
        self.attributeFloats = attributeFloats; self.attributeCategorical = attributeCategorical
        self.images = images; self.modalityMask = modalityMask; self.labels = labels; self.anomalyClasses = anomalyClasses
    }

    /// Zeroes a modality's mask for every row (scoring with a modality removed).
    public mutating func mask(_ modality: Modality) {
        let m = modalityMask.copy()
        for r in 0..<size { m[r, modality.index] = 0 }
        modalityMask = m
    }
}
