import Tensor

/// Binary cross-entropy on logits, as PyTorch's `BCEWithLogitsLoss(pos_weight=)`:
/// ℓ = −[w·t·log σ(x) + (1 − t)·log(1 − σ(x))], computed without forming σ(x), so logits of
/// any size give finite values and gradients. `positiveWeight` (w) scales the positive term
/// (w > 1 raises recall on rare positives). Targets may be soft (in [0, 1]).
public func binaryCrossEntropyWithLogits(
    _ logits: Tensor, _ targets: Tensor, positiveWeight: Float? = nil, reduction: LossReduction = .mean
) -> Tensor {
    LossKernels.binaryCrossEntropyWithLogits(
        logits: logits, targets: targets, positiveWeights: positiveWeight.map { [$0] }, reduction: reduction)
}

/// `BCEWithLogitsLoss` with one positive weight per class (PyTorch's `pos_weight` tensor of
/// shape `[C]`), broadcast along the last dimension of the logits.
public func binaryCrossEntropyWithLogits(
    _ logits: Tensor, _ targets: Tensor, positiveWeights: [Float], reduction: LossReduction = .mean
) -> Tensor {
    LossKernels.binaryCrossEntropyWithLogits(
        logits: logits, targets: targets, positiveWeights: positiveWeights, reduction: reduction)
}

/// Sigmoid focal loss (Lin et al. 2017), as torchvision's `sigmoid_focal_loss`:
/// ℓ = α_t · BCE(x, t) · (1 − p_t)^γ. It down-weights easy examples so training concentrates
/// on the hard ones. `alpha: nil` disables the class balancing (torchvision's `alpha=-1`).
/// torchvision defaults to `reduction="none"`; here, as for the other losses, `.mean`.
public func focalLoss(
    _ logits: Tensor, _ targets: Tensor, alpha: Float? = 0.25, gamma: Float = 2, reduction: LossReduction = .mean
) -> Tensor {
    LossKernels.sigmoidFocalLoss(logits: logits, targets: targets, alpha: alpha, gamma: gamma, reduction: reduction)
}

/// Softmax cross-entropy over `[N, C]` logits and N class labels, as PyTorch's
/// `CrossEntropyLoss(weight=, ignore_index=)`. With class weights the mean is
/// Σ wᵧℓᵢ / Σ wᵧ over the samples not ignored. `.none` returns the N per-sample losses
/// (0 for ignored samples).
public func softmaxCrossEntropy(
    _ logits: Tensor, labels: IndexTensor, classWeights: [Float]? = nil, ignoreIndex: Int = -100,
    reduction: LossReduction = .mean
) -> Tensor {
    precondition(labels.shape == [logits.shape.first ?? 0], "labels \(labels.shape) for logits \(logits.shape)")
    return softmaxCrossEntropy(logits, labels: labels.values, classWeights: classWeights,
                               ignoreIndex: ignoreIndex, reduction: reduction)
}

public func softmaxCrossEntropy(
    _ logits: Tensor, labels: [Int32], classWeights: [Float]? = nil, ignoreIndex: Int = -100,
    reduction: LossReduction = .mean
) -> Tensor {
    LossKernels.softmaxCrossEntropy(
        logits: logits, labels: labels, classWeights: classWeights, ignoreIndex: Int32(ignoreIndex), reduction: reduction)
}
