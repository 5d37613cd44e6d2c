/// Events grouped by sequence key and sorted by time (ties keep file order), so a sample's
/// history is one binary search away. Built with a counting sort over keys, then a sort of
/// each key's events by timestamp.
public struct EventIndex: Sendable {
    /// Event rows, grouped by key id, each group in time order.
    public let order: [Int32]
    /// Group of key id k: `order[offsets[k]..<offsets[k+1]]`.
    public let offsets: [Int]
    public let timestamps: [Double]

    public init(keys: [Int32], keyCount: Int, timestamps: [Double]) {
        var counts = [Int](repeating: 0, count: keyCount + 1)
        for k in keys where k >= 0 { counts[Int(k) + 1] += 1 }
        for i in 0..<keyCount { counts[i + 1] += counts[i] }
        let offsets = counts
        var cursor = counts
        var order = [Int32](repeating: 0, count: counts[keyCount])
        for (row, k) in keys.enumerated() where k >= 0 {
            order[cursor[Int(k)]] = Int32(row)
            cursor[Int(k)] += 1
        }
        order.withUnsafeMutableBufferPointer { o in
            for k in 0..<keyCount {
                var group = UnsafeMutableBufferPointer(rebasing: o[offsets[k]..<offsets[k + 1]])
                var sorted = true
                for i in group.indices.dropFirst() where timestamps[Int(group[i - 1])] > timestamps[Int(group[i])] { sorted = false; break }
                if !sorted {
                    // Stable: rows are already in file order inside the group.
                    group.sort { a, b in
                        let ta = timestamps[Int(a)], tb = timestamps[Int(b)]
                        return ta < tb || (ta == tb && a < b)
                    }
                }
            }
        }
        self.order = order
        self.offsets = offsets
        self.timestamps = timestamps
    }

    private init(order: [Int32], offsets: [Int], timestamps: [Double]) {
        self.order = order; self.offsets = offsets; self.timestamps = timestamps
    }

    /// The same groups without the timestamps, for steps that read none (their memory is freed).
    func droppingTimestamps() -> EventIndex { EventIndex(order: order, offsets: offsets, timestamps: []) }

    /// Rows of key `k` with timestamp ≤ `cutoff`, oldest first (the slice of `order`).
    public func history(key k: Int32, cutoff: Double) -> Range<Int> {
        guard k >= 0, Int(k) + 1 < offsets.count else { return 0..<0 }
        var lo = offsets[Int(k)], hi = offsets[Int(k) + 1]
        let start = lo
        while lo < hi {  // first position with timestamp > cutoff
            let mid = (lo + hi) / 2
            if timestamps[Int(order[mid])] <= cutoff { lo = mid + 1 } else { hi = mid }
        }
        return start..<lo
    }

    /// All rows of key `k`.
    public func all(key k: Int32) -> Range<Int> {
        guard k >= 0, Int(k) + 1 < offsets.count else { return 0..<0 }
        return offsets[Int(k)]..<offsets[Int(k) + 1]
    }
}
