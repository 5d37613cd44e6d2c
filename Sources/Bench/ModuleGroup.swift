import NN

/// A module made of named parts, for the encoder-alone models (encoder + `out` head).
final class ModuleGroup: Module {
    let children: [(String, any Module)]
    init(_ children: [(String, any Module)]) { self.children = children }
}
