import Datasets

/// Visits every sample's whole visible history with one pass per sequence key. A history is a
/// prefix of its key's events (`EventIndex.history`: from the key's first event to the cutoff), so
/// the samples of one key, taken in order of their history's end, extend one running state: the
/// cost is the events plus the samples, not the sum of history lengths — which a click log with a
/// sample per click would make quadratic in each key's clicks.
enum HistorySweep {
    /// Calls `reset` before each key's samples (and once for the empty histories), `add` with each
    /// event row in time order, and `emit` with each sample once its whole history has been added.
    static func run(_ h: SampleEvents, reset: () -> Void, add: (Int) -> Void, emit: (Int) -> Void) {
        let ranges = h.histories, order = h.index.order
        let empty = ranges.indices.filter { ranges[$0].isEmpty }
        reset()
        for i in empty { emit(i) }
        let samples = ranges.indices.filter { !ranges[$0].isEmpty }.sorted {
            (ranges[$0].lowerBound, ranges[$0].upperBound) < (ranges[$1].lowerBound, ranges[$1].upperBound)
        }
        var start = -1, next = 0
        for i in samples {
            let range = ranges[i]
            if range.lowerBound != start {
                start = range.lowerBound; next = start
                reset()
            }
            while next < range.upperBound { add(Int(order[next])); next += 1 }
            emit(i)
        }
    }
}
