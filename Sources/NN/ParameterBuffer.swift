import Tensor

/// All trainable parameters of a module in ONE contiguous storage, and their gradients in
/// another, as llm.c does: an optimizer step, a gradient norm or a zeroing is then a single
/// loop over flat memory instead of one small loop per tensor.
///
/// Each parameter's storage is re-pointed to a window of `values` (its values are copied in),
/// and its gradient to the matching window of `gradients`, so layers and autograd keep
/// working on the same tensors. Parameters that decay (rank ≥ 2: weight matrices, conv
/// kernels, embeddings) are packed first, the others (rank ≤ 1: biases, norm gains) after,
/// so weight decay is one loop over `decayRange`.
///
/// Packing order is an implementation detail: checkpoints and optimizer state are keyed by
/// `namedParameters` names (`entries` keeps them), never by offsets.
public final class ParameterBuffer {
    public struct Entry {
        /// The parameter's path in the module (the checkpoint key).
        public let name: String
        public let tensor: Tensor
        /// Position of the parameter's first element in `values` and `gradients`.
        public let offset: Int
        public var count: Int { tensor.count }
        public let decays: Bool
        public var range: Range<Int> { offset..<(offset + count) }
    }

    public let values: Storage
    public let gradients: Storage
    /// The parameters in packing order (decayed ones first).
    public let entries: [Entry]
    /// Elements that weight decay applies to, then those it does not; together all of them.
    public let decayRange: Range<Int>
    public let noDecayRange: Range<Int>

    public var count: Int { values.count }

    /// The default decay rule: matrices and higher-rank tensors decay, vectors and scalars
    /// (biases, LayerNorm gains) do not, as in GPT-2/llm.c and most AdamW recipes.
    public static func defaultDecays(name: String, tensor: Tensor) -> Bool { tensor.rank >= 2 }

    /// Packs every parameter of `module` that requires a gradient (frozen ones are left alone).
    /// A tensor listed under two names (tied weights) is packed once, under its first name.
    public convenience init(module: any Module,
                            decays: (_ name: String, _ tensor: Tensor) -> Bool = ParameterBuffer.defaultDecays) {
        self.init(parameters: module.namedParameters().map { ($0.name, $0.tensor) }, decays: decays)
    }

    public init(parameters: [(String, Tensor)],
                decays: (_ name: String, _ tensor: Tensor) -> Bool = ParameterBuffer.defaultDecays) {
        var seen = Set<ObjectIdentifier>()
        var decayed: [(String, Tensor)] = [], plain: [(String, Tensor)] = []
        for (name, tensor) in parameters where tensor.requiresGrad {
            guard seen.insert(ObjectIdentifier(tensor)).inserted else { continue }
            if decays(name, tensor) { decayed.append((name, tensor)) } else { plain.append((name, tensor)) }
        }
        let decayCount = decayed.reduce(0) { $0 + $1.1.count }
        let total = decayCount + plain.reduce(0) { $0 + $1.1.count }
        values = Storage(zeros: total)
        gradients = Storage(zeros: total)
        var entries: [Entry] = []
        var offset = 0
        for (isDecayed, group) in [(true, decayed), (false, plain)] {
            for (name, tensor) in group {
                tensor.moveStorage(to: Storage(viewing: values, offset: offset, count: tensor.count))
                // Keep a gradient accumulated before packing (packing mid-backward is unusual
                // but should not lose work).
                let window = Storage(viewing: gradients, offset: offset, count: tensor.count)
                if let g = tensor.grad { window.pointer.update(from: g.pointer, count: tensor.count) }
                tensor.setGradStorage(window)
                entries.append(Entry(name: name, tensor: tensor, offset: offset, decays: isDecayed))
                offset += tensor.count
            }
        }
        self.entries = entries
        decayRange = 0..<decayCount
        noDecayRange = decayCount..<total
    }

    /// Zeroes every gradient in one pass.
    public func zeroGrad() {
        gradients.pointer.update(repeating: 0, count: gradients.count)
    }

    /// The entry of the parameter called `name`, if it is packed here.
    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }
}
