import Foundation

/// Per-event features that say how an event compares with everyone else's (`data.population_features`):
/// the item's popularity — log count and rank in the catalogue — and, for every events.csv float
/// column, the value's deviation from that item's mean, in units of the column's spread. A
/// rating of 5 means little alone; a 5 on an item everyone rates 2 is what rating manipulation
/// looks like, and a sequence encoder with few positives does not learn such averages itself.
///
/// Leakage: the statistics are `PopulationStatistics` over the training samples' windows (the
/// events the encoder sees), with its leave-one-out and shrinkage rule.
struct PopulationFeatures {
    static let prefix = "population."

    /// The float features added, after the events.csv and joined item columns.
    static func names(eventFloatColumns: [String]) -> [String] {
        [prefix + "item_log_count", prefix + "item_popularity_rank"] + eventFloatColumns.map { prefix + $0 + "_vs_item" }
    }

    /// The standardiser of the counted events' log item counts (each without itself).
    static func logCountStandardizer(_ statistics: PopulationStatistics) -> Standardizer {
        let itemOfRow = statistics.itemOfRow, counted = statistics.counted
        return Standardizer(values: (0..<itemOfRow.count).lazy.filter { counted[$0] && itemOfRow[$0] >= 0 }
            .map { Foundation.log1p(statistics.countExcludingSelf($0)) })
    }

    /// Writes the features into `floats` (`[samples × length × width]`) from feature `first` on,
    /// from `statistics` (with a fitted run's `logCount` and `seen` counts when scoring; nil:
    /// taken from `statistics`' counted events). Returns the log-count standardiser used.
    @discardableResult
    static func write(statistics: PopulationStatistics, logCount fittedLogCount: Standardizer? = nil, seen fittedSeen: [Double]? = nil,
                      order: [Int32], histories: [Range<Int>], length: Int, width: Int, first: Int, into floats: inout [Float]) -> Standardizer {
        let itemOfRow = statistics.itemOfRow
        // Items seen in training, by count: the catalogue a rank is taken in.
        let seen = fittedSeen ?? statistics.count.filter { $0 > 0 }.sorted()
        let logCount = fittedLogCount ?? logCountStandardizer(statistics)

        floats.withUnsafeMutableBufferPointer { out in
            for (i, h) in histories.enumerated() {
                var k = (i * length) * width + first
                for p in h {
                    let r = Int(order[p]), it = itemOfRow[r]
                    defer { k += width }
                    guard it >= 0 else { continue }   // no item (a search): every feature at 0, the mean
                    let n = statistics.countExcludingSelf(r)
                    out[k] = logCount(Foundation.log1p(n))
                    out[k + 1] = seen.isEmpty ? 0 : Float(Double(seen.countAtMost(n)) / Double(seen.count))
                    for (c, column) in statistics.columns.enumerated() {
                        let d = statistics.deviation(column: c, row: r)
                        if d.isFinite { out[k + 2 + c] = Float(d / column.overall.std) }
                    }
                }
            }
        }
        return logCount
    }

}
