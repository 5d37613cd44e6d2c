import Foundation

/// Per-event features that say how an event compares with everyone else's (`data.population_features`):
/// the item's popularity — log count and rank in the catalogue — and, for every events.csv float
/// column, the value's deviation from that item's mean, in units of the column's spread. A
/// rating of 5 means little alone; a 5 on an item everyone rates 2 is what rating manipulation
/// looks like, and a sequence encoder with few positives does not learn such averages itself.
///
/// Leakage: the statistics count the events inside training samples' histories, each event row
/// once however many overlapping windows hold it, and nothing else. An event counted in them
/// sees them without itself (leave-one-out), so a training event's deviation is measured the way
/// a held-out event's is; an item's mean is shrunk toward the column mean by one pseudo-event, so
/// an item seen once gives no deviation of its own.
struct PopulationFeatures {
    static let prefix = "population."

    /// The float features added, after the events.csv and joined item columns.
    static func names(eventFloatColumns: [String]) -> [String] {
        [prefix + "item_log_count", prefix + "item_popularity_rank"] + eventFloatColumns.map { prefix + $0 + "_vs_item" }
    }

    /// Writes the features into `floats` (`[samples × length × width]`) from feature `first` on.
    static func write(events: AtomicTable, floatColumns: [String], order: [Int32], histories: [Range<Int>], training: [Bool],
                      length: Int, width: Int, first: Int, into floats: inout [Float]) {
        let item = events.column("item_id")!
        let itemOfRow = item.tokenIDs!, itemCount = item.tokens.count, rows = events.rowCount

        // The event rows the statistics count: those in training histories, once each.
        var counted = [Bool](repeating: false, count: rows)
        for (i, h) in histories.enumerated() where training[i] { for p in h { counted[Int(order[p])] = true } }

        var count = [Double](repeating: 0, count: itemCount)
        for r in 0..<rows where counted[r] && itemOfRow[r] >= 0 { count[Int(itemOfRow[r])] += 1 }
        // Items seen in training, by count: the catalogue a rank is taken in.
        let seen = count.filter { $0 > 0 }.sorted()

        struct ColumnStatistics { var values: [Double]; var sum: [Double]; var finite: [Double]; var overall: Standardizer }
        let columns = floatColumns.map { name -> ColumnStatistics in
            let values = events.column(name)!.floatValues!
            var sum = [Double](repeating: 0, count: itemCount), finite = [Double](repeating: 0, count: itemCount)
            for r in 0..<rows where counted[r] && itemOfRow[r] >= 0 && values[r].isFinite {
                sum[Int(itemOfRow[r])] += values[r]
                finite[Int(itemOfRow[r])] += 1
            }
            return ColumnStatistics(values: values, sum: sum, finite: finite,
                                    overall: Standardizer(values: (0..<rows).lazy.filter { counted[$0] }.map { values[$0] }))
        }

        // An event's item count without the event itself.
        @inline(__always) func countExcludingSelf(_ r: Int) -> Double {
            let it = itemOfRow[r]
            return it >= 0 ? count[Int(it)] - (counted[r] ? 1 : 0) : .nan
        }
        let logCount = Standardizer(values: (0..<rows).lazy.filter { counted[$0] && itemOfRow[$0] >= 0 }.map { Foundation.log1p(countExcludingSelf($0)) })

        floats.withUnsafeMutableBufferPointer { out in
            for (i, h) in histories.enumerated() {
                var k = (i * length) * width + first
                for p in h {
                    let r = Int(order[p]), it = itemOfRow[r]
                    defer { k += width }
                    guard it >= 0 else { continue }   // no item (a search): every feature at 0, the mean
                    let n = countExcludingSelf(r)
                    out[k] = logCount(Foundation.log1p(n))
                    out[k + 1] = seen.isEmpty ? 0 : Float(Double(countAtMost(n, seen)) / Double(seen.count))
                    for (c, column) in columns.enumerated() {
                        let v = column.values[r]
                        guard v.isFinite else { continue }
                        let own = counted[r] ? 1.0 : 0.0
                        let mean = (column.sum[Int(it)] - own * v + column.overall.mean) / (column.finite[Int(it)] - own + 1)
                        out[k + 2 + c] = Float((v - mean) / column.overall.std)
                    }
                }
            }
        }
    }

    /// How many of `sorted` are at most `value` (binary search): the most popular item ranks 1.
    static func countAtMost(_ value: Double, _ sorted: [Double]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] <= value { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
