import Tensor

extension Module {
    /// Copies the parameters of `source` named under each of `prefixes` (`encoders.image`, say)
    /// into this module's parameters of the same names: a pre-trained part handed to a model
    /// whose part was built the same way. Every prefix must name at least one parameter in both
    /// modules, and each copied tensor must exist here with the same shape; nothing is copied
    /// unless all do. Returns the names copied, in `source`'s order.
    @discardableResult
    public func copyParameters(from source: any Module, under prefixes: [String], sourceName: String) throws(CheckpointError) -> [String] {
        let mine = Dictionary(namedParameters().map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let theirs = source.namedParameters()
        var copied: [(String, Tensor, Tensor)] = []
        for prefix in prefixes {
            let under = { (name: String) in name.hasPrefix(prefix + ".") }
            let matching = theirs.filter { under($0.name) }
            guard !matching.isEmpty else {
                throw .missingTensor(source: sourceName, tensor: prefix + ".*", expectedShape: [])
            }
            for (name, tensor) in matching {
                guard let target = mine[name] else { throw .unexpectedTensor(source: sourceName, tensor: name, shape: tensor.shape) }
                guard target.shape == tensor.shape else {
                    throw .shapeMismatch(source: sourceName, tensor: name, expected: target.shape, actual: tensor.shape)
                }
                copied.append((name, target, tensor))
            }
            // A part here with parameters the source lacks would stay half initialised.
            for name in mine.keys.sorted() where under(name) && !matching.contains(where: { $0.name == name }) {
                throw .missingTensor(source: sourceName, tensor: name, expectedShape: mine[name]!.shape)
            }
        }
        for (_, target, tensor) in copied { target.assign(tensor) }
        return copied.map(\.0)
    }
}
