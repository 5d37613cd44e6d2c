import Tensor

/// Contrastive alignment of two views of the same samples with in-batch negatives: InfoNCE
/// (van den Oord et al. 2018), symmetric as in CLIP (Radford et al. 2021). Row i of `a` and row
/// i of `b` are a positive pair; every other row of the batch is a negative.

/// Rows scaled to unit L2 norm (`eps` keeps a zero row finite).
public func l2NormalizedRows(_ x: Tensor, eps: Float = 1e-6) -> Tensor {
    precondition(x.rank == 2, "l2NormalizedRows expects [B, d], got \(x.shape)")
    return x / (x.square().sum(axis: 1, keepDims: true) + eps).sqrt()
}

/// `[B_a, B_b]` cosine similarities of the rows of `a` and `b`, divided by `temperature`.
public func alignmentLogits(_ a: Tensor, _ b: Tensor, temperature: Float) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "alignment of \(a.shape) and \(b.shape)")
    return matmul(l2NormalizedRows(a), l2NormalizedRows(b), transposeB: true) * (1 / temperature)
}

/// The mean over pairs of −log p(b_i | a_i) and −log p(a_i | b_i), each a softmax over the batch.
public func infoNCELoss(_ a: Tensor, _ b: Tensor, temperature: Float) -> Tensor {
    precondition(a.shape == b.shape, "InfoNCE pairs rows: \(a.shape) vs \(b.shape)")
    let logits = alignmentLogits(a, b, temperature: temperature)
    let pairs = (0..<Int32(a.shape[0])).map { $0 }
    return (softmaxCrossEntropy(logits, labels: pairs) + softmaxCrossEntropy(logits.transposed(), labels: pairs)) * 0.5
}
