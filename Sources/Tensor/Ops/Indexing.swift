/// Integer indices with a shape (token ids, item ids). Kept apart from float tensors.
public struct IndexTensor: Sendable {
    public var shape: [Int]
    public var values: [Int32]
    public init(_ values: [Int32], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) indices for shape \(shape)")
        self.values = values
        self.shape = shape
    }
    public init(_ values: [Int], shape: [Int]) { self.init(values.map { Int32($0) }, shape: shape) }
    public var count: Int { values.count }
}

extension Tensor {
    /// Rows of this `[rows, dim]` table at `indices` (embedding lookup): shape `indices.shape + [dim]`.
    /// The gradient is scatter-added into the table; rows at `paddingIndex` receive none.
    public func gatherRows(_ indices: IndexTensor, paddingIndex: Int? = nil) -> Tensor {
        precondition(rank == 2, "gatherRows needs a [rows, dim] table, got \(shape)")
        let rows = shape[0], dim = shape[1]
        let out = Tensor(uninitializedShape: indices.shape + [dim])
        let table = pointer, po = out.pointer
        indices.values.withUnsafeBufferPointer { idx in
            for (i, r) in idx.enumerated() {
                precondition(r >= 0 && Int(r) < rows, "index \(r) out of range for \(rows) rows")
                (po + i * dim).update(from: table + Int(r) * dim, count: dim)
            }
        }
        return out.recording([self]) { [self] g in
            let gt = self.gradStorage(), pg = g.pointer
            let pad = Int32(paddingIndex ?? -1)
            indices.values.withUnsafeBufferPointer { idx in
                for (i, r) in idx.enumerated() where r != pad {
                    let d = gt + Int(r) * dim, s = pg + i * dim
                    for j in 0..<dim { d[j] += s[j] }
                }
            }
        }
    }

    /// `value` where `mask` (broadcastable, nonzero = fill) is set, this tensor elsewhere.
    /// Gradient flows only through the elements kept.
    public func maskedFill(_ mask: Tensor, with value: Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let layout = BroadcastLayout(out: shape, a: shape, b: mask.shape)
        let n = layout.rowLength, sm = layout.innerB
        let px = pointer, pm = mask.pointer, po = out.pointer
        layout.forEachRow { o, _, im in
            for i in 0..<n { po[o + i] = pm[im + i * sm] != 0 ? value : px[o + i] }
        }
        // Backward reads the mask: keep its storage alive (the caller's mask may be a temporary
        // whose buffer would otherwise go back to the pool and be reused).
        let maskStorage = mask.storage
        return out.recording([self]) { [self] g in
            let gx = self.gradStorage(), pg = g.pointer, pm = maskStorage.pointer
            layout.forEachRow { o, _, im in
                for i in 0..<n where pm[im + i * sm] == 0 { gx[o + i] += pg[o + i] }
            }
        }
    }
}

/// Elementwise choice: `a` where `condition` (broadcastable, nonzero) holds, else `b`.
public func where_(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape)
    let a = a.expanded(to: shape), b = b.expanded(to: shape)
    let out = Tensor(uninitializedShape: shape)
    let layout = BroadcastLayout(out: shape, a: shape, b: condition.shape)
    let n = layout.rowLength, sc = layout.innerB
    let pa = a.pointer, pb = b.pointer, pc = condition.pointer, po = out.pointer
    layout.forEachRow { o, _, ic in
        for i in 0..<n { po[o + i] = pc[ic + i * sc] != 0 ? pa[o + i] : pb[o + i] }
    }
    let conditionStorage = condition.storage  // read by backward: kept alive (see maskedFill)
    return out.recording([a, b]) { g in
        let pg = g.pointer, pc = conditionStorage.pointer
        let ga = a.requiresGrad ? a.gradStorage() : nil, gb = b.requiresGrad ? b.gradStorage() : nil
        layout.forEachRow { o, _, ic in
            for i in 0..<n {
                if pc[ic + i * sc] != 0 { ga?[o + i] += pg[o + i] } else { gb?[o + i] += pg[o + i] }
            }
        }
    }
}
