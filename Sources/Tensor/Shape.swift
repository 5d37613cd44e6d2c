/// Shape arithmetic: strides, broadcasting, and the row iterator that broadcasting kernels use.
public enum ShapeError: Error, CustomStringConvertible {
    case notBroadcastable([Int], [Int])
    public var description: String {
        switch self {
        case let .notBroadcastable(a, b): return "shapes \(a) and \(b) cannot be broadcast together"
        }
    }
}

@inline(__always)
func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = s
        s *= shape[i]
    }
    return strides
}

/// NumPy broadcasting: align right, each dimension equal or 1.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(da == db || da == 1 || db == 1, ShapeError.notBroadcastable(a, b).description)
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Strides of `shape` seen from `outShape` (0 where broadcast).
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
    let offset = outShape.count - shape.count
    let own = contiguousStrides(shape)
    return (0..<outShape.count).map { i in
        i < offset ? 0 : (shape[i - offset] == 1 && outShape[i] != 1 ? 0 : own[i - offset])
    }
}

/// A broadcast of up to two operands onto a contiguous output, with adjacent dimensions merged
/// where every operand is contiguous across them. Kernels walk it row by row; inner strides
/// are always 0 or 1 for contiguous operands.
struct BroadcastLayout {
    var dims: [Int]
    var a: [Int]
    var b: [Int]

    init(out: [Int], a aShape: [Int], b bShape: [Int]) {
        var dims: [Int] = [], sa: [Int] = [], sb: [Int] = []
        let fa = broadcastStrides(aShape, to: out), fb = broadcastStrides(bShape, to: out)
        for i in 0..<out.count where out[i] != 1 {
            if let last = dims.last, sa.last! == fa[i] * out[i], sb.last! == fb[i] * out[i] {
                dims[dims.count - 1] = last * out[i]
                sa[sa.count - 1] = fa[i]
                sb[sb.count - 1] = fb[i]
            } else {
                dims.append(out[i]); sa.append(fa[i]); sb.append(fb[i])
            }
        }
        if dims.isEmpty { dims = [1]; sa = [1]; sb = [1] }
        self.dims = dims; a = sa; b = sb
    }

    var rowLength: Int { dims.last! }
    var innerA: Int { a.last! }
    var innerB: Int { b.last! }

    /// Calls `body(outOffset, aOffset, bOffset)` for each row of the output.
    @inline(__always)
    func forEachRow(_ body: (Int, Int, Int) -> Void) {
        let outer = dims.count - 1
        if outer == 0 { body(0, 0, 0); return }
        let rows = dims[..<outer].reduce(1, *)
        let n = rowLength
        var index = [Int](repeating: 0, count: outer)
        var oa = 0, ob = 0
        for r in 0..<rows {
            body(r * n, oa, ob)
            var d = outer - 1
            while d >= 0 {
                index[d] += 1
                oa += a[d]; ob += b[d]
                if index[d] < dims[d] { break }
                oa -= a[d] * dims[d]; ob -= b[d] * dims[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
