import Tensor

/// Multi-head scaled dot-product attention over batch-first `[B, L, D]` tensors.
///
/// Children `q_proj`, `k_proj`, `v_proj`, `out_proj` (Linear `[D, D]`) and `dropout` (on the
/// attention weights, training only). Scores are one GEMM per (batch entry, head) on column blocks of the projections,
/// scaled by 1/√(D/H). A key padding mask `[B, Lk]` (1 = padded key, ignored — PyTorch's
/// `key_padding_mask`) sets those scores to −∞; a query whose keys are all padded gets zero
/// weights and so a finite output (the bias of `out_proj`).
public final class MultiHeadAttention: Module {
    public let queryProjection: Linear
    public let keyProjection: Linear
    public let valueProjection: Linear
    public let outputProjection: Linear
    public let dropout: Dropout
    public let dimension: Int
    public let heads: Int

    public init(dimension: Int, heads: Int, dropout: Float = 0, bias: Bool = true, generator: inout RandomGenerator) {
        precondition(heads > 0 && dimension % heads == 0, "attention dimension \(dimension) is not divisible by \(heads) heads")
        queryProjection = Linear(inputSize: dimension, outputSize: dimension, bias: bias, generator: &generator)
        keyProjection = Linear(inputSize: dimension, outputSize: dimension, bias: bias, generator: &generator)
        valueProjection = Linear(inputSize: dimension, outputSize: dimension, bias: bias, generator: &generator)
        outputProjection = Linear(inputSize: dimension, outputSize: dimension, bias: bias, generator: &generator)
        self.dropout = Dropout(probability: dropout, generator: &generator)
        self.dimension = dimension
        self.heads = heads
    }

    public var children: [(String, any Module)] {
        [("q_proj", queryProjection), ("k_proj", keyProjection), ("v_proj", valueProjection),
         ("out_proj", outputProjection), ("dropout", dropout)]
    }

    public var headDimension: Int { dimension / heads }

    /// Up to this size of each `[B, H, Lq, Lk]` tensor attention is computed head-batched, and
    /// training keeps scores, weights and dropout mask for backward (faster: batched GEMMs, and
    /// backward need not recompute them); above it attention runs fused (`fusedHeadAttention`),
    /// one (batch entry, head) block at a time, in training and evaluation alike, so memory stays
    /// bounded by the batch at long windows. Both give the same bits. 64 MiB keeps the default
    /// window of 50 head-batched up to batch 512 (`bench model`: the fused path there trained at
    /// 60% of the speed) while a window of 256 at batch 128 (128 MiB) is fused.
    public static let storedScoresLimitBytes = 64 << 20

    /// Attends from `query` `[B, Lq, D]` to `key`/`value` `[B, Lk, D]`.
    ///
    /// - Parameters:
    ///   - keyPaddingMask: `[B, Lk]`, 1 where the key is padding and must be ignored.
    ///   - returnWeights: whether to also return the attention weights.
    /// - Returns: `output` `[B, Lq, D]`, and when asked, `weights` `[B, Lq, Lk]` **averaged over
    ///   the heads** (PyTorch's default `average_attn_weights=True`), taken after dropout as in
    ///   PyTorch (so identical to the softmax in eval mode).
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil,
                               returnWeights: Bool = false) -> (output: Tensor, weights: Tensor?) {
        precondition(query.rank == 3 && query.shape[2] == dimension, "attention query \(query.shape), expected [B, L, \(dimension)]")
        precondition(key.rank == 3 && key.shape == value.shape && key.shape[0] == query.shape[0] && key.shape[2] == dimension,
                     "attention key \(key.shape) / value \(value.shape) do not match query \(query.shape)")
        let (batch, queryLength, keyLength) = (query.shape[0], query.shape[1], key.shape[1])
        // Heads are column blocks of the [B, L, D] projections, read in place (no [B, H, L, dh] copies).
        let q = scaledQueries(query)
        let k = keyProjection(key)
        let v = valueProjection(value)
        if let keyPaddingMask {
            precondition(keyPaddingMask.shape == [batch, keyLength],
                         "key padding mask \(keyPaddingMask.shape), expected \([batch, keyLength])")
        }
        let scoreBytes = batch * heads * queryLength * keyLength * MemoryLayout<Float>.size
        // Without gradients nothing is kept for backward, so the fused path (same bits) only
        // saves writing and re-reading the `[B, H, Lq, Lk]` scores and weights.
        let recordsGraph = GradientMode.isEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad)
        if !returnWeights && (scoreBytes > Self.storedScoresLimitBytes || !recordsGraph) {
            // One (batch entry, head) block at a time: no [B, H, Lq, Lk] tensor is kept.
            let context = dropout.withStream { p, generator in
                fusedHeadAttention(q, k, v, heads: heads, keyMask: keyPaddingMask, dropout: p, generator: &generator)
            }
            return (outputProjection(context), nil)
        }
        let scores = headScores(q, k, heads: heads)  // [B, H, Lq, Lk]
        // Padded keys are excluded inside the softmax (as a −∞ fill would, without the extra pass).
        let weights = dropout(scores.maskedSoftmax(keyMask: keyPaddingMask))
        let context = headContext(weights, v)  // [B, Lq, D]
        let output = outputProjection(context)
        guard returnWeights else { return (output, nil) }
        let averaged = heads == 1 ? weights.reshaped([batch, queryLength, keyLength]) : weights.mean(axis: 1)
        return (output, averaged)
    }

    /// Self-attention over packed sequences without gradients: `x` `[T, D]` holds sequences end to end,
    /// sequence b in rows `offsets[b]..<offsets[b + 1]`, each attending only to itself (no padding to
    /// skip). Each row is the bits `callAsFunction` gives it in the padded batch with dropout off.
    public func packed(_ x: Tensor, offsets: [Int]) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == dimension, "packed attention input \(x.shape), expected [T, \(dimension)]")
        return outputProjection(packedHeadAttention(scaledQueries(x), keyProjection(x), valueProjection(x), heads: heads, offsets: offsets))
    }

    /// The query projection times 1/√dh: the scale goes on q rather than on the larger score
    /// matrix (the padded and packed paths alike, so they keep the same bits).
    private func scaledQueries(_ x: Tensor) -> Tensor { queryProjection(x) * (1 / Float(headDimension).squareRoot()) }

    /// Self-attention: `x` `[B, L, D]` attends to itself.
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor? = nil) -> Tensor {
        callAsFunction(query: x, key: x, value: x, keyPaddingMask: keyPaddingMask).output
    }
}

extension MultiHeadAttention: UnaryLayer {
    /// Unmasked self-attention, so the layer can sit in a `Sequential`.
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, keyPaddingMask: nil) }
}
