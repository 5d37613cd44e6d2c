import Tensor
import NN
import Datasets
import Support

/// Behaviour sequences through a GRU or LSTM (uni- or bidirectional), summarised by the
/// state after the last valid event or by attention pooling over the outputs.
public final class RecurrentSequenceEncoder: ModalityEncoder {
    public enum Cell: String, Sendable { case gru, lstm }
    public enum Pooling: String, CaseIterable, Sendable, Codable { case last, attention }

    public let embedding: SequenceEmbedding
    /// One layer per entry of `hidden` (sizes may differ, as 128 then 64), each saved as its own
    /// module (`rnn.<k>.weight_ih_l0`), as when this encoder held a list of one-layer GRUs/LSTMs.
    public let recurrent: any RecurrentLayer
    /// Owned here rather than by `recurrent`, so its place in the module tree (which seeds its
    /// masks) stays `dropout`.
    public let interLayerDropout: Dropout
    public let pooling: Pooling
    public let attentionPooling: AttentionPooling?
    public let projection: Linear
    public let outputSize: Int
    public var modality: Modality { .sequence }

    public init(context: EncoderContext, cell: Cell, hidden: [Int], bidirectional: Bool, dropout: Float,
                pooling: Pooling, generator: inout RandomGenerator) {
        precondition(!hidden.isEmpty)
        let d = context.dimension, directions = bidirectional ? 2 : 1
        embedding = SequenceEmbedding(schema: context.schema, dimension: d, generator: &generator)
        switch cell {
        case .gru: recurrent = GRU(inputSize: d, layerSizes: hidden, bidirectional: bidirectional, generator: &generator)
        case .lstm: recurrent = LSTM(inputSize: d, layerSizes: hidden, bidirectional: bidirectional, generator: &generator)
        }
        interLayerDropout = Dropout(probability: dropout, generator: &generator)
        let width = hidden.last! * directions
        self.pooling = pooling
        attentionPooling = pooling == .attention ? AttentionPooling(dimension: width, generator: &generator) : nil
        projection = Linear(inputSize: width, outputSize: d, generator: &generator)
        outputSize = d
    }

    public var children: [(String, any Module)] {
        var c: [(String, any Module)] = [("embedding", embedding)]
        c.append(("rnn", recurrent))
        c.append(("dropout", interLayerDropout))
        if let attentionPooling { c.append(("pooling", attentionPooling)) }
        return c + [("projection", projection)]
    }

    public func callAsFunction(_ batch: Batch) -> EncoderOutput {
        let valid = (1 - batch.sequencePadding).detached()
        let out = recurrent(embedding(batch), mask: valid, interLayerDropout: interLayerDropout)
        switch pooling {
        case .last: return EncoderOutput(embedding: projection(out.lastHidden))
        case .attention:
            let (pooled, weights) = attentionPooling!(out.outputs, padding: batch.sequencePadding)
            return EncoderOutput(embedding: projection(pooled), tokenWeights: weights)
        }
    }

    static func definition(_ cell: Cell) -> EncoderDefinition {
        EncoderDefinition(
            name: cell.rawValue, modality: .sequence, doc: "\(cell.rawValue.uppercased()) over events.",
            fields: [
                ConfigField("hidden", .oneOrList(.integer(min: 1)), default: [64],
                            "Hidden units per direction; a list stacks one layer per entry (e.g. [128, 64])."),
                ConfigField("layers", .integer(min: 1, max: 8), default: 1, "Stacked layers when `hidden` is a single size."),
                ConfigField("bidirectional", .bool, default: false, "Also read the sequence backwards."),
                ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout between stacked layers."),
                ConfigField("pooling", .choice(Pooling.allCases.map(\.rawValue)), default: "last",
                            "The state after the last valid event, or attention pooling over all outputs."),
            ],
            options: Options.self,
            build: { o, context, g in
                RecurrentSequenceEncoder(context: context, cell: cell,
                                         hidden: o.hidden.count > 1 ? o.hidden : Array(repeating: o.hidden[0], count: o.layers),
                                         bidirectional: o.bidirectional, dropout: Float(o.dropout), pooling: o.pooling, generator: &g)
            })
    }

    public struct Options: EncoderOptions {
        public var hidden: [Int]
        public var layers: Int
        public var bidirectional: Bool
        public var dropout: Double
        public var pooling: Pooling
    }
}
