import Tensor

/// A layer or model: owns named parameters and sub-modules, listed explicitly (no reflection),
/// so parameter names are stable paths such as `encoders.sequence.layers.0.attention.q_proj.weight`
/// that become checkpoint keys.
public protocol Module: AnyObject {
    /// This module's own parameters, by local name (`weight`, `bias`).
    var parameters: [(String, Tensor)] { get }
    /// Child modules, by local name (`q_proj`, `layers.0`).
    var children: [(String, any Module)] { get }
    /// Switches training behaviour (dropout) on or off, here and in every child.
    func train(_ training: Bool)
}

extension Module {
    public var parameters: [(String, Tensor)] { [] }
    public var children: [(String, any Module)] { [] }
    public func train(_ training: Bool) { for (_, c) in children { c.train(training) } }
    public func eval() { train(false) }

    /// Every parameter below this module, with its full dotted path, in a stable order.
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var out = parameters.map { (name: prefix + $0.0, tensor: $0.1) }
        for (name, child) in children { out += child.namedParameters(prefix: prefix + name + ".") }
        return out
    }

    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    public func zeroGrad() { for (_, p) in namedParameters() { p.zeroGrad() } }
}

/// Children named `0`, `1`, … for a list of modules, as PyTorch's ModuleList does.
public func indexedChildren(_ name: String, _ modules: [any Module]) -> [(String, any Module)] {
    modules.enumerated().map { ("\(name).\($0.offset)", $0.element) }
}
