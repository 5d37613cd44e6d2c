/// Layout ops: reshape (shares storage), permute/transpose, slice, concat/stack/split, expand.
extension Tensor {
    /// Same elements, new shape. One dimension may be -1 (inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var newShape = newShape
        if let i = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            newShape[i] = count / known
        }
        precondition(elementCount(newShape) == count, "cannot reshape \(shape) to \(newShape)")
        let out = Tensor(shape: newShape, storage: storage)
        return out.recording([self]) { [self] g in self.accumulateGrad(g.pointer) }
    }

    public func flattened(from axis: Int = 1) -> Tensor {
        reshaped(Array(shape[..<axis]) + [shape[axis...].reduce(1, *)])
    }

    public func unsqueezed(_ axis: Int) -> Tensor {
        var s = shape
        s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshaped(s)
    }

    public func squeezed(_ axis: Int) -> Tensor {
        let a = normalizedAxis(axis)
        precondition(shape[a] == 1, "squeeze of axis \(axis) with size \(shape[a])")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// Reorders dimensions: output dimension i is input dimension `axes[i]`. Copies.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "permutation \(axes) for shape \(shape)")
        let out = Tensor(uninitializedShape: axes.map { shape[$0] })
        Tensor.permuteCopy(from: pointer, shape: shape, axes: axes, to: out.pointer, accumulate: false)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        let outShape = out.shape
        return out.recording([self]) { [self] g in
            let (gx, isNew) = self.gradStorageForAccumulation()
            Tensor.permuteCopy(from: g.pointer, shape: outShape, axes: inverse, to: gx, accumulate: !isNew)
        }
    }

    /// Swaps two dimensions. Copies.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(a), normalizedAxis(b))
        return permuted(axes)
    }

    /// Writes (or adds) the permutation of `src` into contiguous `dst`, row by row when the
    /// last axis stays last.
    static func permuteCopy(from src: UnsafePointer<Float>, shape: [Int], axes: [Int],
                            to dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let rank = shape.count
        let total = elementCount(shape)
        guard total > 0 else { return }
        let inStrides = contiguousStrides(shape)
        let outShape = axes.map { shape[$0] }
        let srcStrides = axes.map { inStrides[$0] }
        let innerContiguous = axes.last == rank - 1
        let n = innerContiguous ? outShape[rank - 1] : 1
        let outerRank = innerContiguous ? rank - 1 : rank
        var index = [Int](repeating: 0, count: outerRank)
        var srcOffset = 0
        var o = 0
        while o < total {
            if innerContiguous {
                let s = src + srcOffset, d = dst + o
                if accumulate { for i in 0..<n { d[i] += s[i] } } else { d.update(from: s, count: n) }
            } else {
                if accumulate { dst[o] += src[srcOffset] } else { dst[o] = src[srcOffset] }
            }
            o += n
            var d = outerRank - 1
            while d >= 0 {
                index[d] += 1
                srcOffset += srcStrides[d]
                if index[d] < outShape[d] { break }
                srcOffset -= srcStrides[d] * outShape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Elements `range` along `axis`. Copies.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a], "slice \(range) of axis \(axis) with size \(shape[a])")
        let (outer, n, inner) = axisSplit(a)
        var outShape = shape
        outShape[a] = range.count
        let out = Tensor(uninitializedShape: outShape)
        let rowIn = n * inner, rowOut = range.count * inner, start = range.lowerBound * inner
        let px = pointer, po = out.pointer
        for o in 0..<outer { (po + o * rowOut).update(from: px + o * rowIn + start, count: rowOut) }
        return out.recording([self]) { [self] g in
            let gx = self.gradStorage(), pg = g.pointer
            for o in 0..<outer {
                let d = gx + o * rowIn + start, s = pg + o * rowOut
                for i in 0..<rowOut { d[i] += s[i] }
            }
        }
    }

    /// Splits along `axis` into pieces of the given sizes.
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        precondition(sizes.reduce(0, +) == shape[normalizedAxis(axis)], "split sizes \(sizes) for axis of size \(shape[normalizedAxis(axis)])")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: axis, start..<(start + size))
        }
    }

    /// Broadcasts to `target` shape (a copy); gradient sums back.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let out = Tensor(zeros: target)
        let layout = BroadcastLayout(out: target, a: shape, b: target)
        let n = layout.rowLength, sa = layout.innerA, px = pointer, po = out.pointer
        layout.forEachRow { o, ia, _ in
            if sa == 1 { (po + o).update(from: px + ia, count: n) } else { (po + o).update(repeating: px[ia], count: n) }
        }
        return out.recording([self]) { [self] g in self.accumulateGrad(g.pointer, broadcastFrom: target) }
    }
}

/// Joins tensors along an existing axis.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat of no tensors")
    let first = tensors[0]
    let a = first.normalizedAxis(axis)
    for t in tensors {
        precondition(t.rank == first.rank && t.shape.enumerated().allSatisfy { $0.offset == a || $0.element == first.shape[$0.offset] },
                     "concat along axis \(axis): shapes \(tensors.map(\.shape)) differ off that axis")
    }
    var outShape = first.shape
    outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    let out = Tensor(uninitializedShape: outShape)
    let outer = first.shape[..<a].reduce(1, *)
    let inner = first.shape[(a + 1)...].reduce(1, *)
    let rowOut = outShape[a] * inner
    var offset = 0
    var offsets: [Int] = []
    for t in tensors {
        let row = t.shape[a] * inner
        for o in 0..<outer { (out.pointer + o * rowOut + offset).update(from: t.pointer + o * row, count: row) }
        offsets.append(offset)
        offset += row
    }
    return out.recording(tensors) { g in
        for (t, off) in zip(tensors, offsets) where t.requiresGrad {
            let row = t.shape[a] * inner
            let gt = t.gradStorage()
            for o in 0..<outer {
                let s = g.pointer + o * rowOut + off, d = gt + o * row
                for i in 0..<row { d[i] += s[i] }
            }
        }
    }
}

/// Joins tensors of one shape along a new axis.
public func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    concat(tensors.map { $0.unsqueezed(axis) }, axis: axis)
}
