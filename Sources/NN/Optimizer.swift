import Tensor

/// Updates the parameters packed in a `ParameterBuffer` from their gradients.
///
/// State (step count, moment buffers) exports as named tensors, so a run resumes exactly:
/// `step` is a scalar, and each per-parameter buffer is saved under
/// `<slot>.<parameter name>` with the parameter's shape (PyTorch's slot names:
/// `exp_avg`, `exp_avg_sq`, `momentum_buffer`). Keys never depend on packing order.
public protocol Optimizer: AnyObject {
    var parameters: ParameterBuffer { get }
    var learningRate: Float { get set }
    /// Completed steps (the next step is number `stepCount + 1` for bias correction).
    var stepCount: Int { get }
    /// One update from the current gradients.
    func step()
    /// Zeroes every parameter gradient.
    func zeroGrad()
    /// Step count and buffers, as named tensors (copies).
    func stateTensors() -> [(String, Tensor)]
    /// Restores what `stateTensors` exported. Throws, changing nothing, on a missing, extra or
    /// mis-shaped tensor.
    func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() { parameters.zeroGrad() }

    public func loadState(_ state: [(String, Tensor)]) throws {
        var byName: [String: Tensor] = [:]
        for (name, tensor) in state {
            guard byName.updateValue(tensor, forKey: name) == nil else {
                throw CheckpointError.duplicateTensor(source: OptimizerState.source, tensor: name)
            }
        }
        try loadState(byName)
    }
}

/// Invalid optimizer or schedule settings (they usually come from a config file).
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case invalidHyperparameter(name: String, value: Double, requirement: String)

    public var description: String {
        switch self {
        case let .invalidHyperparameter(name, value, requirement):
            "invalid \(name) = \(value): must be \(requirement)"
        }
    }

    static func check(_ name: String, _ value: Float, _ requirement: String, _ ok: Bool) throws(OptimizerError) {
        if !ok || value.isNaN { throw .invalidHyperparameter(name: name, value: Double(value), requirement: requirement) }
    }
}

/// Per-parameter state buffers laid out like the parameter buffer, and their export/import.
struct OptimizerState {
    static let source = "optimizer state"
    static let stepKey = "step"

    let parameters: ParameterBuffer
    /// Slot name (`exp_avg`) → flat buffer the size of `parameters`.
    private(set) var slots: [(name: String, storage: Storage)]

    init(parameters: ParameterBuffer, slotNames: [String]) {
        self.parameters = parameters
        slots = slotNames.map { ($0, Storage(zeros: parameters.count)) }
    }

    func storage(_ name: String) -> Storage { slots.first { $0.name == name }!.storage }

    func export(stepCount: Int) -> [(String, Tensor)] {
        var out: [(String, Tensor)] = [(Self.stepKey, Tensor(scalar: Float(stepCount)))]
        for (slot, storage) in slots {
            for entry in parameters.entries {
                let t = Tensor(uninitializedShape: entry.tensor.shape)
                t.pointer.update(from: storage.pointer + entry.offset, count: entry.count)
                out.append(("\(slot).\(entry.name)", t))
            }
        }
        return out
    }

    /// Validates everything first, then copies, so a failed load changes nothing.
    /// Returns the restored step count.
    func load(_ state: [String: Tensor]) throws -> Int {
        var expected: [String: (Storage, ParameterBuffer.Entry)] = [:]
        for (slot, storage) in slots {
            for entry in parameters.entries { expected["\(slot).\(entry.name)"] = (storage, entry) }
        }
        guard let step = state[Self.stepKey] else {
            throw CheckpointError.missingTensor(source: Self.source, tensor: Self.stepKey, expectedShape: [])
        }
        guard step.count == 1 else {
            throw CheckpointError.shapeMismatch(source: Self.source, tensor: Self.stepKey, expected: [], actual: step.shape)
        }
        let stepValue = step.pointer[0]
        guard stepValue >= 0, stepValue == stepValue.rounded(), stepValue < 16_777_216 else {
            throw CheckpointError.invalidValue(source: Self.source, tensor: Self.stepKey,
                                               reason: "step count \(stepValue) is not a non-negative integer")
        }
        for name in state.keys.sorted() where name != Self.stepKey && expected[name] == nil {
            throw CheckpointError.unexpectedTensor(source: Self.source, tensor: name, shape: state[name]!.shape)
        }
        for name in expected.keys.sorted() {
            let entry = expected[name]!.1
            guard let t = state[name] else {
                throw CheckpointError.missingTensor(source: Self.source, tensor: name, expectedShape: entry.tensor.shape)
            }
            guard t.shape == entry.tensor.shape else {
                throw CheckpointError.shapeMismatch(source: Self.source, tensor: name, expected: entry.tensor.shape, actual: t.shape)
            }
        }
        for (name, (storage, entry)) in expected {
            (storage.pointer + entry.offset).update(from: state[name]!.pointer, count: entry.count)
        }
        return Int(stepValue)
    }
}

/// Runs `body(start, end)` over `range` in parallel chunks (one contiguous chunk per thread).
@inline(__always)
func forEachChunk(of range: Range<Int>, _ body: (Int, Int) -> Void) {
    let base = range.lowerBound
    parallelChunks(range.count, minimumPerThread: 16_384) { s, e in body(base + s, base + e) }
}
