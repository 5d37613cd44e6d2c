/// Counts in an ascending array by binary search — the one implementation behind percentiles,
/// tail probabilities, ranks and membership tests across the layers.
public extension Array where Element: Comparable {
    /// How many elements are below `value` (the first index not below it).
    func countBelow(_ value: Element) -> Int {
        var lo = 0, hi = count
        while lo < hi { let mid = (lo + hi) / 2; if self[mid] < value { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// How many elements are at most `value`.
    func countAtMost(_ value: Element) -> Int {
        var lo = 0, hi = count
        while lo < hi { let mid = (lo + hi) / 2; if self[mid] <= value { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// Whether the ascending array holds `value`.
    func sortedContains(_ value: Element) -> Bool {
        let k = countBelow(value)
        return k < count && self[k] == value
    }
}
