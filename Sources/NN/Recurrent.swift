import Tensor

/// What a recurrent layer returns.
public struct RecurrentOutput {
    /// `[B, T, H·directions]`: the top layer's hidden state at every step (forward then reverse
    /// halves), zero at steps the mask marks invalid.
    public var outputs: Tensor
    /// `[B, H·directions]`: the top layer's final hidden state per direction — after each
    /// sequence's last valid step (forward) and after step 0 (reverse), as PyTorch's `h_n`.
    public var lastHidden: Tensor
    /// `[B, H·directions]`: the LSTM's final cell state the same way; nil for a GRU.
    public var lastCell: Tensor?
}

/// The weights of one direction of one layer, in PyTorch's layout and names
/// (`weight_ih_l{k}[_reverse]` `[G·H, in]`, `weight_hh_l{k}` `[G·H, H]`, `bias_ih_l{k}`, `bias_hh_l{k}` `[G·H]`).
struct RecurrentWeights {
    /// `""`, or `"<k>."` when each layer is named as its own module.
    let prefix: String
    let suffix: String
    let inputWeight: Tensor
    let hiddenWeight: Tensor
    let inputBias: Tensor?
    let hiddenBias: Tensor?

    var hiddenSize: Int { hiddenWeight.shape[1] }

    var parameters: [(String, Tensor)] {
        var out = [(prefix + "weight_ih_" + suffix, inputWeight), (prefix + "weight_hh_" + suffix, hiddenWeight)]
        if let inputBias { out.append((prefix + "bias_ih_" + suffix, inputBias)) }
        if let hiddenBias { out.append((prefix + "bias_hh_" + suffix, hiddenBias)) }
        return out
    }
}

/// The configuration and weights shared by LSTM and GRU: stacked layers of one or two
/// directions, each initialised uniformly in ±1/√H of its own hidden size H, as PyTorch does.
public struct RecurrentStack {
    /// How parameters are named.
    public enum LayerNaming: Sendable {
        /// PyTorch's: one module, layer k's weights suffixed `_l<k>` (`weight_ih_l1`).
        case pytorch
        /// Each layer as its own one-layer module: `<k>.weight_ih_l0`, the layout of a list of
        /// single-layer GRUs or LSTMs (which is how layers of different sizes are saved).
        case perLayer
    }

    /// Gates per hidden unit: 3 for a GRU, 4 for an LSTM.
    public let gateCount: Int
    public let inputSize: Int
    /// The top layer's hidden size (per direction).
    public let hiddenSize: Int
    /// Hidden size (per direction) of each layer, bottom first.
    public let hiddenSizes: [Int]
    public let bidirectional: Bool
    /// `weights[layer][direction]`, direction 0 forward, 1 reverse.
    let weights: [[RecurrentWeights]]
    public var layerCount: Int { weights.count }

    init(gateCount: Int, inputSize: Int, hiddenSize: Int, layers: Int, bidirectional: Bool, bias: Bool,
         generator: inout RandomGenerator) {
        precondition(layers > 0, "recurrent layer needs at least one layer, got \(layers)")
        self.init(gateCount: gateCount, inputSize: inputSize, hiddenSizes: Array(repeating: hiddenSize, count: layers),
                  bidirectional: bidirectional, bias: bias, naming: .pytorch, generator: &generator)
    }

    init(gateCount: Int, inputSize: Int, hiddenSizes: [Int], bidirectional: Bool, bias: Bool, naming: LayerNaming,
         generator: inout RandomGenerator) {
        precondition(inputSize > 0 && !hiddenSizes.isEmpty && hiddenSizes.allSatisfy { $0 > 0 },
                     "recurrent layer needs positive sizes: input \(inputSize), hidden \(hiddenSizes)")
        let directions = bidirectional ? 2 : 1
        var weights: [[RecurrentWeights]] = []
        var layerInput = inputSize
        for (layer, hiddenSize) in hiddenSizes.enumerated() {
            let bound = 1 / Float(hiddenSize).squareRoot()
            let (prefix, index) = naming == .pytorch ? ("", layer) : ("\(layer).", 0)
            var perDirection: [RecurrentWeights] = []
            for direction in 0..<directions {
                func uniform(_ shape: [Int]) -> Tensor {
                    Tensor(uniform: shape, low: -bound, high: bound, generator: &generator, requiresGrad: true)
                }
                let wih = uniform([gateCount * hiddenSize, layerInput])
                let whh = uniform([gateCount * hiddenSize, hiddenSize])
                let bih = bias ? uniform([gateCount * hiddenSize]) : nil
                let bhh = bias ? uniform([gateCount * hiddenSize]) : nil
                perDirection.append(RecurrentWeights(prefix: prefix, suffix: "l\(index)" + (direction == 1 ? "_reverse" : ""),
                                                     inputWeight: wih, hiddenWeight: whh, inputBias: bih, hiddenBias: bhh))
            }
            weights.append(perDirection)
            layerInput = hiddenSize * directions
        }
        self.gateCount = gateCount
        self.inputSize = inputSize
        self.hiddenSize = hiddenSizes.last!
        self.hiddenSizes = hiddenSizes
        self.bidirectional = bidirectional
        self.weights = weights
    }

    public var parameters: [(String, Tensor)] { weights.flatMap { $0.flatMap(\.parameters) } }

    /// Runs every layer and direction. `direction(input, weights, reverse)` runs one direction
    /// over `[B, T, in]` and returns the per-step hidden states in time order plus the final
    /// hidden (and cell) state. Dropout, if any, applies between layers.
    func run(_ input: Tensor, mask: Tensor?, dropout: Dropout?,
             direction: (Tensor, RecurrentWeights, Bool) -> (steps: [Tensor], hidden: Tensor, cell: Tensor?)) -> RecurrentOutput {
        precondition(input.rank == 3 && input.shape[2] == inputSize,
                     "recurrent layer expects [B, T, \(inputSize)], got \(input.shape)")
        let (batch, steps) = (input.shape[0], input.shape[1])
        precondition(steps > 0, "recurrent layer needs at least one time step")
        if let mask { precondition(mask.shape == [batch, steps], "recurrent mask \(mask.shape), expected \([batch, steps])") }
        var x = input
        var result: RecurrentOutput?
        for (layer, layerWeights) in weights.enumerated() {
            if layer > 0, let dropout { x = dropout(x) }
            var outputs: [Tensor] = [], hiddens: [Tensor] = [], cells: [Tensor] = []
            for (d, w) in layerWeights.enumerated() {
                let run = direction(x, w, d == 1)
                outputs.append(stack(run.steps, axis: 1))
                hiddens.append(run.hidden)
                if let c = run.cell { cells.append(c) }
            }
            var y = outputs.count == 1 ? outputs[0] : concat(outputs, axis: 2)
            // Invalid steps carried the state; their outputs are zero.
            if let mask { y = y * mask.reshaped([batch, steps, 1]) }
            x = y
            result = RecurrentOutput(
                outputs: y, lastHidden: hiddens.count == 1 ? hiddens[0] : concat(hiddens, axis: 1),
                lastCell: cells.isEmpty ? nil : (cells.count == 1 ? cells[0] : concat(cells, axis: 1)))
        }
        return result!
    }

    /// The time steps of one direction, in processing order.
    static func order(steps: Int, reverse: Bool) -> [Int] {
        reverse ? Array((0..<steps).reversed()) : Array(0..<steps)
    }
}

/// What GRU and LSTM share around their stack of weights: sizes, parameters, inter-layer dropout.
public protocol RecurrentLayer: Module {
    /// Gates per hidden unit: 3 for a GRU (r, z, n), 4 for an LSTM (i, f, g, o).
    static var gateCount: Int { get }
    var stack: RecurrentStack { get }
    var dropout: Dropout? { get }
    /// The layer over `stack` (built by the sized initialisers below, with this layer's gate count).
    init(stack: RecurrentStack, dropout: Dropout?)
    /// Runs every layer with `interLayerDropout` between layers instead of the layer's own
    /// `dropout`, for a caller that owns the dropout module (and so its place in the module tree).
    ///   - x: `[B, T, inputSize]`.
    ///   - mask: `[B, T]`, 1 where the step is valid; nil when every step is.
    func callAsFunction(_ x: Tensor, mask: Tensor?, interLayerDropout: Dropout?) -> RecurrentOutput
}

extension RecurrentLayer {
    /// - Parameter dropout: applied to each layer's output before the next layer (training only).
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false, bias: Bool = true,
                dropout: Float = 0, generator: inout RandomGenerator) {
        let stack = RecurrentStack(gateCount: Self.gateCount, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
                                   bidirectional: bidirectional, bias: bias, generator: &generator)
        self.init(stack: stack, dropout: dropout > 0 && layers > 1 ? Dropout(probability: dropout, generator: &generator) : nil)
    }

    /// Layers of the given sizes, bottom first, named each as its own module (`0.weight_ih_l0`,
    /// `1.weight_ih_l0`, …; see `RecurrentStack.LayerNaming.perLayer`). No dropout of its own:
    /// pass one to `callAsFunction(_:mask:interLayerDropout:)`.
    public init(inputSize: Int, layerSizes: [Int], bidirectional: Bool = false, bias: Bool = true,
                generator: inout RandomGenerator) {
        self.init(stack: RecurrentStack(gateCount: Self.gateCount, inputSize: inputSize, hiddenSizes: layerSizes,
                                        bidirectional: bidirectional, bias: bias, naming: .perLayer, generator: &generator),
                  dropout: nil)
    }

    public var inputSize: Int { stack.inputSize }
    public var hiddenSize: Int { stack.hiddenSize }
    public var layerCount: Int { stack.layerCount }
    public var bidirectional: Bool { stack.bidirectional }

    public var parameters: [(String, Tensor)] { stack.parameters }
    public var children: [(String, any Module)] { dropout.map { [("dropout", $0)] } ?? [] }

    /// - Parameters:
    ///   - x: `[B, T, inputSize]`.
    ///   - mask: `[B, T]`, 1 where the step is valid; nil when every step is.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil) -> RecurrentOutput {
        self(x, mask: mask, interLayerDropout: dropout)
    }
}
