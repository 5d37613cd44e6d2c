/// Mean, population standard deviation, min, median, max and last value of a growing list,
/// one value at a time: sums shifted by the first value (stable for large magnitudes) and two
/// heaps for the median. `reset` keeps the heaps' storage.
struct RunningSummary {
    private(set) var count = 0
    private var shift = 0.0, sum = 0.0, sumSquares = 0.0
    private(set) var min = Double.infinity, max = -Double.infinity, last = Double.nan
    private var lower = Heap(largestFirst: true), upper = Heap(largestFirst: false)

    mutating func reset() {
        count = 0; sum = 0; sumSquares = 0; min = .infinity; max = -.infinity; last = .nan
        lower.removeAll(); upper.removeAll()
    }

    mutating func add(_ v: Double) {
        if count == 0 { shift = v }
        count += 1
        let d = v - shift
        sum += d; sumSquares += d * d
        min = Swift.min(min, v); max = Swift.max(max, v); last = v
        // lower: the smaller half, its largest on top; it holds the middle value on odd counts.
        if lower.isEmpty || v <= lower.top { lower.push(v) } else { upper.push(v) }
        if lower.count > upper.count + 1 { upper.push(lower.pop()) } else if upper.count > lower.count { lower.push(upper.pop()) }
    }

    var mean: Double { shift + sum / Double(count) }
    var std: Double { let n = Double(count); return (Swift.max(sumSquares - sum * sum / n, 0) / n).squareRoot() }
    var median: Double { count % 2 == 1 ? lower.top : (lower.top + upper.top) / 2 }
}

/// A binary heap of numbers, largest or smallest on top.
struct Heap {
    let largestFirst: Bool
    private var items: [Double] = []

    init(largestFirst: Bool) { self.largestFirst = largestFirst }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var top: Double { items[0] }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    @inline(__always) private func above(_ a: Double, _ b: Double) -> Bool { largestFirst ? a > b : a < b }

    mutating func push(_ v: Double) {
        items.append(v)
        var k = items.count - 1
        while k > 0, case let parent = (k - 1) / 2, above(items[k], items[parent]) { items.swapAt(k, parent); k = parent }
    }

    mutating func pop() -> Double {
        let top = items[0]
        items[0] = items[items.count - 1]
        items.removeLast()
        var k = 0
        while true {
            let l = 2 * k + 1, r = l + 1
            var best = k
            if l < items.count, above(items[l], items[best]) { best = l }
            if r < items.count, above(items[r], items[best]) { best = r }
            if best == k { return top }
            items.swapAt(k, best); k = best
        }
    }
}

/// Distinct non-missing ids among a growing set of events, and the most frequent one's count;
/// `reset` is O(1) (a new stamp instead of clearing per-id state).
struct DistinctCounter {
    private var stamp: [Int], counts: [Int]
    private var current = 0
    private(set) var distinct = 0, most = 0

    /// For ids `0..<size`.
    init(size: Int) { stamp = [Int](repeating: -1, count: size); counts = [Int](repeating: 0, count: size) }
    /// For the ids of `ids` (its largest + 1).
    init(ids: [Int32]) { self.init(size: Int(ids.max() ?? -1) + 1) }

    mutating func reset() { current += 1; distinct = 0; most = 0 }

    mutating func add(_ id: Int32) {
        guard id >= 0 else { return }
        let k = Int(id)
        if stamp[k] != current { stamp[k] = current; counts[k] = 0; distinct += 1 }
        counts[k] += 1
        most = Swift.max(most, counts[k])
    }
}
