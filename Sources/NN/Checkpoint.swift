import Foundation
import Tensor

/// Module weights as safetensors files keyed by parameter path (PyTorch `state_dict` names).
extension Module {
    /// Writes every parameter, under its `namedParameters` path, atomically.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try Safetensors.write(namedParameters().map { ($0.name, $0.tensor) }, metadata: metadata, to: path)
    }

    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try save(to: url.path, metadata: metadata)
    }

    /// Loads parameters from a safetensors file and returns its metadata. With `strict`, a
    /// parameter missing from the file, or a tensor in the file the module lacks, is an error;
    /// a shape mismatch always is. Nothing changes unless everything checks out. Values are
    /// copied into the existing storages, so a `ParameterBuffer` over this module stays valid.
    @discardableResult
    public func load(from path: String, strict: Bool = true) throws -> [String: String] {
        let (tensors, metadata) = try Safetensors.read(path)
        try load(tensors, source: path, strict: strict)
        return metadata
    }

    @discardableResult
    public func load(from url: URL, strict: Bool = true) throws -> [String: String] {
        try load(from: url.path, strict: strict)
    }

    /// Copies named tensors into this module's parameters (see `load(from:strict:)`).
    public func load(_ tensors: [String: Tensor], source: String, strict: Bool = true) throws {
        let parameters = namedParameters()
        var known = Set<String>()
        for (name, parameter) in parameters {
            known.insert(name)
            if let t = tensors[name] {
                guard t.shape == parameter.shape else {
                    throw CheckpointError.shapeMismatch(source: source, tensor: name, expected: parameter.shape, actual: t.shape)
                }
            } else if strict {
                throw CheckpointError.missingTensor(source: source, tensor: name, expectedShape: parameter.shape)
            }
        }
        if strict {
            for name in tensors.keys.sorted() where !known.contains(name) {
                throw CheckpointError.unexpectedTensor(source: source, tensor: name, shape: tensors[name]!.shape)
            }
        }
        for (name, parameter) in parameters {
            if let t = tensors[name] { parameter.assign(t) }
        }
    }
}

/// A resumable training state in one safetensors file: the model's parameters under
/// `model.<path>`, the optimizer's state under `optimizer.<key>`, and free-form metadata
/// (epoch, configuration, data order seed) as strings.
public enum TrainingCheckpoint {
    static let modelPrefix = "model."
    static let optimizerPrefix = "optimizer."

    public static func save(model: any Module, optimizer: (any Optimizer)?, metadata: [String: String] = [:],
                            to path: String) throws {
        var tensors = model.namedParameters().map { (modelPrefix + $0.name, $0.tensor) }
        if let optimizer { tensors += optimizer.stateTensors().map { (optimizerPrefix + $0.0, $0.1) } }
        try Safetensors.write(tensors, metadata: metadata, to: path)
    }

    /// Restores the model and (if given) the optimizer; returns the metadata. Validates both
    /// parts before changing either.
    @discardableResult
    public static func load(model: any Module, optimizer: (any Optimizer)?, from path: String,
                            strict: Bool = true) throws -> [String: String] {
        let (tensors, metadata) = try Safetensors.read(path)
        var modelTensors: [String: Tensor] = [:], optimizerTensors: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            if name.hasPrefix(modelPrefix) {
                modelTensors[String(name.dropFirst(modelPrefix.count))] = tensor
            } else if name.hasPrefix(optimizerPrefix) {
                optimizerTensors[String(name.dropFirst(optimizerPrefix.count))] = tensor
            } else if strict {
                throw CheckpointError.unexpectedTensor(source: path, tensor: name, shape: tensor.shape)
            }
        }
        // An optimizer error must not leave new weights beside the old optimizer state:
        // keep the old values to put back.
        let saved = model.namedParameters().map { $0.tensor.copy() }
        try model.load(modelTensors, source: path, strict: strict)
        if let optimizer {
            do {
                try optimizer.loadState(optimizerTensors)
            } catch {
                for ((_, parameter), old) in zip(model.namedParameters(), saved) { parameter.assign(old) }
                throw error
            }
        }
        return metadata
    }
}
