import Tensor

/// A pre-LN Transformer encoder layer (PyTorch's `norm_first=True`):
/// `x = x + dropout1(attention(norm1(x)))`, then
/// `x = x + dropout2(linear2(dropout(activation(linear1(norm2(x))))))`.
/// Pre-LN keeps gradients well scaled without a learning-rate warm-up.
public final class TransformerEncoderLayer: Module {
    public let attention: MultiHeadAttention
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let linear1: Linear
    public let linear2: Linear
    /// Inside the feed-forward block, after the activation.
    public let dropout: Dropout
    /// On the attention branch before the residual add.
    public let dropout1: Dropout
    /// On the feed-forward branch before the residual add.
    public let dropout2: Dropout
    public let activation: Activation

    /// - Parameters:
    ///   - feedForwardSize: the hidden width of the feed-forward block (PyTorch's `dim_feedforward`).
    ///   - activation: `.relu` (PyTorch's default) or `.gelu`.
    public init(dimension: Int, heads: Int, feedForwardSize: Int, dropout: Float = 0.1, activation: Activation = .relu,
                layerNormEps: Float = 1e-5, generator: inout RandomGenerator) {
        attention = MultiHeadAttention(dimension: dimension, heads: heads, dropout: dropout, generator: &generator)
        norm1 = LayerNorm(dimension: dimension, eps: layerNormEps)
        norm2 = LayerNorm(dimension: dimension, eps: layerNormEps)
        linear1 = Linear(inputSize: dimension, outputSize: feedForwardSize, generator: &generator)
        linear2 = Linear(inputSize: feedForwardSize, outputSize: dimension, generator: &generator)
        self.dropout = Dropout(probability: dropout, generator: &generator)
        dropout1 = Dropout(probability: dropout, generator: &generator)
        dropout2 = Dropout(probability: dropout, generator: &generator)
        self.activation = activation
    }

    public var children: [(String, any Module)] {
        [("attention", attention), ("norm1", norm1), ("norm2", norm2), ("linear1", linear1), ("linear2", linear2),
         ("dropout", dropout), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    public var dimension: Int { attention.dimension }

    /// - Parameters:
    ///   - x: `[B, L, D]`.
    ///   - keyPaddingMask: `[B, L]`, 1 at padded positions (they are never attended to).
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor? = nil) -> Tensor {
        block(x) { attention($0, keyPaddingMask: keyPaddingMask) }
    }

    /// Whether `packed` may stand in for `callAsFunction`: no gradient is recorded and no dropout is active.
    var skipsPadding: Bool {
        !GradientMode.isEnabled && ![dropout, dropout1, dropout2, attention.dropout].contains { $0.isActive }
    }

    /// The layer on packed sequences `[T, D]` (see `MultiHeadAttention.packed`), without gradients
    /// or dropout (`skipsPadding`): each row as `callAsFunction` computes it in the padded batch.
    func packed(_ x: Tensor, offsets: [Int]) -> Tensor {
        block(x) { attention.packed($0, offsets: offsets) }
    }

    /// The layer around its attention, `attend` (padded or packed).
    private func block(_ x: Tensor, attend: (Tensor) -> Tensor) -> Tensor {
        let attended = x + dropout1(attend(norm1(x)))
        let hidden = dropout(activation(linear1(norm2(attended))))
        return attended + dropout2(linear2(hidden))
    }
}

/// A stack of encoder layers (children `layers.0`, `layers.1`, …) with an optional final
/// LayerNorm (`norm`), which a pre-LN stack needs to normalise its output.
public final class TransformerEncoder: Module {
    public let layers: [TransformerEncoderLayer]
    public let norm: LayerNorm?

    public init(layers: [TransformerEncoderLayer], norm: LayerNorm?) {
        precondition(!layers.isEmpty, "a Transformer encoder needs at least one layer")
        self.layers = layers
        self.norm = norm
    }

    /// `layerCount` identical layers, plus a final LayerNorm when `finalNorm`.
    public convenience init(layerCount: Int, dimension: Int, heads: Int, feedForwardSize: Int, dropout: Float = 0.1,
                            activation: Activation = .relu, layerNormEps: Float = 1e-5, finalNorm: Bool = true,
                            generator: inout RandomGenerator) {
        let layers = (0..<layerCount).map { _ in
            TransformerEncoderLayer(dimension: dimension, heads: heads, feedForwardSize: feedForwardSize, dropout: dropout,
                                    activation: activation, layerNormEps: layerNormEps, generator: &generator)
        }
        self.init(layers: layers, norm: finalNorm ? LayerNorm(dimension: dimension, eps: layerNormEps) : nil)
    }

    public var children: [(String, any Module)] {
        indexedChildren("layers", layers) + (norm.map { [("norm", $0)] } ?? [])
    }

    /// `x` `[B, L, D]` with an optional key padding mask `[B, L]` (1 = padded).
    ///
    /// Without gradients and with dropout off (scoring, evaluation), padding after the sequences is
    /// left out, as PyTorch's inference fast path does: the valid rows are packed end to end, each
    /// sequence attends within itself, and the rows are put back. The valid rows keep their bits;
    /// the padded rows come out 0 (otherwise they hold values nothing should read).
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor? = nil) -> Tensor {
        if let keyPaddingMask, layers.allSatisfy(\.skipsPadding), let rows = PackedRows(keyPaddingMask: keyPaddingMask) {
            var h = rows.gather(x)
            for layer in layers { h = layer.packed(h, offsets: rows.offsets) }
            return rows.scatter(norm.map { $0(h) } ?? h)
        }
        var h = x
        for layer in layers { h = layer(h, keyPaddingMask: keyPaddingMask) }
        return norm.map { $0(h) } ?? h
    }
}

extension TransformerEncoderLayer: UnaryLayer {
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, keyPaddingMask: nil) }
}

extension TransformerEncoder: UnaryLayer {
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, keyPaddingMask: nil) }
}
