/// One recorded operation: the inputs it read and how to send an output gradient back to them.
/// The closure is written beside the forward computation in each op (micrograd style).
final class Node {
    let inputs: [Tensor]
    let backward: (_ outputGrad: Tensor) -> Void
    init(inputs: [Tensor], backward: @escaping (Tensor) -> Void) {
        self.inputs = inputs
        self.backward = backward
    }
}

/// Gradient recording on or off, per task: evaluation wraps itself in `withoutGradients`,
/// and concurrent tasks do not see each other's setting.
public enum GradientMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording any operation (evaluation, inference).
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// Whether an op reading `inputs` must record itself.
    @inline(__always)
    static func needsGrad(_ inputs: Tensor...) -> Bool {
        inputs.contains { $0.requiresGrad } && GradientMode.isEnabled
    }

    /// Attaches the op's backward to `output` when any input needs a gradient; returns output.
    @inline(__always)
    func recording(_ inputs: [Tensor], _ backward: @escaping (Tensor) -> Void) -> Tensor {
        if inputs.contains(where: { $0.requiresGrad }) && GradientMode.isEnabled {
            requiresGrad = true
            node = Node(inputs: inputs, backward: backward)
        }
        return self
    }

    /// The gradient buffer of this tensor, created zero-filled on first use. Backward closures
    /// accumulate into it.
    func gradStorage() -> UnsafeMutablePointer<Float> {
        if let g = grad { return g.pointer }
        let g = Tensor(zeros: shape)
        grad = g
        return g.pointer
    }

    /// For a backward that adds into every element of the gradient: the buffer, and whether it
    /// was just created — uninitialised, so the op must write (`=`, or BLAS `beta: 0`) instead of
    /// adding. That skips zero-filling it; `0 + v` is `v`, so values are the same.
    func gradStorageForAccumulation() -> (pointer: UnsafeMutablePointer<Float>, isNew: Bool) {
        if let g = grad { return (g.pointer, false) }
        let g = Tensor(uninitializedShape: shape)
        grad = g
        return (g.pointer, true)
    }

    /// Adds `values` (same element count) into this tensor's gradient.
    func accumulateGrad(_ values: UnsafePointer<Float>) {
        let (g, isNew) = gradStorageForAccumulation()
        let n = count
        if isNew { g.update(from: values, count: n); return }
        parallelChunks(n, minimumPerThread: 65_536) { s, e in
            for i in s..<e { g[i] += values[i] }
        }
    }

    /// Reverse-mode differentiation from this scalar: fills `.grad` of every leaf that
    /// requires it, then releases the graph so intermediate buffers return to the pool.
    public func backward() {
        precondition(count == 1, "backward() starts from a scalar; this tensor has shape \(shape)")
        backward(seed: Tensor(ones: shape))
    }

    /// Reverse-mode differentiation with an explicit output gradient.
    public func backward(seed: Tensor) {
        precondition(seed.shape == shape, "seed gradient shape \(seed.shape) for output \(shape)")
        guard requiresGrad else { return }
        var order = topologicalOrder()
        accumulateGrad(seed.pointer)
        // Popped, not iterated: once its backward has run, nothing reads a tensor again, so its
        // buffers go back to the pool while backward continues rather than all at the end.
        while let t = order.popLast() {
            guard let node = t.node else { continue }
            if let g = t.grad { node.backward(g) }
            // Release this step's graph: intermediates keep neither history nor gradient.
            t.node = nil
            if !t.retainsGrad { t.grad = nil }
        }
    }

    /// Tensors with a recorded node, each after all its inputs (iterative DFS).
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (t, next) = stack.popLast() {
            guard let node = t.node else { continue }
            if next < node.inputs.count {
                stack.append((t, next + 1))
                let child = node.inputs[next]
                if child.node != nil, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(t)
            }
        }
        return order
    }

    /// Keeps this tensor's gradient after `backward`, even though it is an intermediate.
    public func retainGrad() { retainsGrad = true }

    /// Clears the accumulated gradient (a parameter before the next step).
    public func zeroGrad() {
        if let g = grad { g.pointer.update(repeating: 0, count: g.count) }
    }

    /// Installs a gradient buffer (used to point parameter gradients into one flat buffer).
    public func setGradStorage(_ storage: Storage) {
        precondition(storage.count == count)
        grad = Tensor(shape: shape, storage: storage)
    }
}
