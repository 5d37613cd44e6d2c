import Tensor
import NN
import Datasets
import Support

/// Behaviour sequences through a GRU or LSTM (uni- or bidirectional), summarised by the
/// state after the last valid event or by attention pooling over the outputs.
public final class RecurrentSequenceEncoder: ModalityEncoder {
    public enum Cell: String, Sendable { case gru, lstm }
    public enum Pooling: String, CaseIterable, Sendable { case last, attention }

    public let embedding: SequenceEmbedding
    public let gru: GRU?
    public let lstm: LSTM?
    public let pooling: Pooling
    public let attentionPooling: AttentionPooling?
    public let projection: Linear
    public let outputSize: Int
    public var modality: Modality { .sequence }

    public init(context: EncoderContext, cell: Cell, hidden: Int, layers: Int, bidirectional: Bool, dropout: Float,
                pooling: Pooling, generator: inout RandomGenerator) {
        let d = context.dimension
        embedding = SequenceEmbedding(schema: context.schema, dimension: d, generator: &generator)
        switch cell {
        case .gru:
            gru = GRU(inputSize: d, hiddenSize: hidden, layers: layers, bidirectional: bidirectional, dropout: dropout, generator: &generator)
            lstm = nil
        case .lstm:
            lstm = LSTM(inputSize: d, hiddenSize: hidden, layers: layers, bidirectional: bidirectional, dropout: dropout, generator: &generator)
            gru = nil
        }
        let width = hidden * (bidirectional ? 2 : 1)
        self.pooling = pooling
        attentionPooling = pooling == .attention ? AttentionPooling(dimension: width, generator: &generator) : nil
        projection = Linear(inputSize: width, outputSize: d, generator: &generator)
        outputSize = d
    }

    public var children: [(String, any Module)] {
        var c: [(String, any Module)] = [("embedding", embedding)]
        if let gru { c.append(("rnn", gru)) }
        if let lstm { c.append(("rnn", lstm)) }
        if let attentionPooling { c.append(("pooling", attentionPooling)) }
        return c + [("projection", projection)]
    }

    public func callAsFunction(_ batch: Batch) -> EncoderOutput {
        let x = embedding(batch)
        let valid = (1 - batch.sequencePadding).detached()
        let out = gru.map { $0(x, mask: valid) } ?? lstm!(x, mask: valid)
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
                ConfigField("hidden", .integer(min: 1), default: 64, "Hidden units per direction."),
                ConfigField("layers", .integer(min: 1, max: 8), default: 1, "Stacked recurrent layers."),
                ConfigField("bidirectional", .bool, default: false, "Also read the sequence backwards."),
                ConfigField("dropout", .number(min: 0, max: 0.9), default: 0.1, "Dropout between stacked layers."),
                ConfigField("pooling", .choice(Pooling.allCases.map(\.rawValue)), default: "last",
                            "The state after the last valid event, or attention pooling over all outputs."),
            ],
            build: { o, context, g in
                RecurrentSequenceEncoder(context: context, cell: cell, hidden: o.int("hidden"), layers: o.int("layers"),
                                         bidirectional: o.bool("bidirectional"), dropout: o.float("dropout"),
                                         pooling: Pooling(rawValue: o.string("pooling"))!, generator: &g)
            })
    }
}
