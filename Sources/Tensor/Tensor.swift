/// A float32 tensor: a shape over contiguous row-major storage, plus what autograd needs.
///
/// Tensors are reference types so the autograd graph can point at them; the storage of a
/// parameter is updated in place by optimizers.
public final class Tensor {
    public let shape: [Int]
    public internal(set) var storage: Storage
    /// Whether gradients flow to this tensor (parameters, and anything computed from them).
    public internal(set) var requiresGrad: Bool
    /// Accumulated gradient. Kept on leaves (parameters) after `backward`; intermediate
    /// tensors drop theirs as soon as they have passed it on.
    public internal(set) var grad: Tensor?
    /// How this tensor was made, when it needs to pass gradients back.
    var node: Node?
    /// Keep this intermediate tensor's gradient after backward (for inspection), as PyTorch's `retain_grad`.
    public internal(set) var retainsGrad = false

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var buffer: UnsafeMutableBufferPointer<Float> { storage.buffer }

    public init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// Uninitialised tensor, for ops that overwrite every element.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: Storage(count: shape.reduce(1, *)))
    }

    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: Storage(zeros: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        let s = Storage(count: shape.reduce(1, *))
        s.pointer.initialize(repeating: value, count: s.count)
        self.init(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    public convenience init(ones shape: [Int], requiresGrad: Bool = false) {
        self.init(repeating: 1, shape: shape, requiresGrad: requiresGrad)
    }

    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        let s = Storage(count: values.count)
        values.withUnsafeBufferPointer { s.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.init(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// A 0-dimensional tensor.
    public convenience init(scalar: Float) { self.init([scalar], shape: []) }

    /// Normal(mean, std) from an explicit generator.
    public convenience init(normal shape: [Int], mean: Float = 0, std: Float = 1,
                            generator: inout RandomGenerator, requiresGrad: Bool = false) {
        self.init(uninitializedShape: shape)
        let p = pointer
        for i in 0..<count { p[i] = mean + std * Float(generator.nextNormal()) }
        self.requiresGrad = requiresGrad
    }

    /// Uniform in [low, high) from an explicit generator.
    public convenience init(uniform shape: [Int], low: Float, high: Float,
                            generator: inout RandomGenerator, requiresGrad: Bool = false) {
        self.init(uninitializedShape: shape)
        let p = pointer
        let width = high - low
        for i in 0..<count { p[i] = low + width * generator.nextFloat() }
        self.requiresGrad = requiresGrad
    }

    /// The elements as an array (copies).
    public var scalars: [Float] { Array(buffer) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with \(count) elements")
        return pointer[0]
    }

    /// Element at a multi-index (for tests and small utilities; not for hot paths).
    public subscript(_ index: Int...) -> Float {
        get { pointer[flatIndex(index)] }
        set { pointer[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "index \(index) out of range for shape \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    /// A copy that shares nothing and records no history.
    public func copy() -> Tensor {
        let s = Storage(count: count)
        s.pointer.update(from: pointer, count: count)
        return Tensor(shape: shape, storage: s)
    }

    /// The same values, cut from the autograd graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Marks a leaf tensor as a parameter whose gradient is wanted.
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        precondition(node == nil, "requiringGrad on a non-leaf tensor")
        requiresGrad = flag
        return self
    }

    /// Rebinds this tensor's values to a window of another storage of the same size
    /// (used to pack parameters into one contiguous buffer). Values are copied over.
    public func moveStorage(to newStorage: Storage) {
        precondition(newStorage.count == count)
        newStorage.pointer.update(from: pointer, count: count)
        storage = newStorage
    }

    /// Overwrites the values in place (checkpoint loading, optimizer steps).
    public func assign(_ values: UnsafeBufferPointer<Float>) {
        precondition(values.count == count)
        pointer.update(from: values.baseAddress!, count: count)
    }

    public func assign(_ other: Tensor) {
        precondition(other.shape == shape, "assign \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = count <= 16 ? scalars.map { "\($0)" }.joined(separator: ", ")
                                : scalars.prefix(8).map { "\($0)" }.joined(separator: ", ") + ", …"
        return "Tensor(shape: \(shape), [\(shown)])"
    }
}
