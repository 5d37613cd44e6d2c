/// Mean, population standard deviation, min, median and max of a per-sample list of values,
/// as five columns `<prefix>_mean` …; all missing when the list is empty.
struct SummaryColumns {
    let prefix: String
    var mean: [Double], std: [Double], min: [Double], median: [Double], max: [Double]

    init(prefix: String, count: Int) {
        self.prefix = prefix
        let empty = [Double](repeating: .nan, count: count)
        mean = empty; std = empty; min = empty; median = empty; max = empty
    }

    /// Sample `i`'s statistics from `summary` (left missing when it holds no value).
    mutating func set(_ i: Int, _ summary: RunningSummary) {
        guard summary.count > 0 else { return }
        mean[i] = summary.mean; std[i] = summary.std; min[i] = summary.min; median[i] = summary.median; max[i] = summary.max
    }

    var columns: [FeatureColumn] {
        [FeatureColumn("\(prefix)_mean", numbers: mean), FeatureColumn("\(prefix)_std", numbers: std),
         FeatureColumn("\(prefix)_min", numbers: min), FeatureColumn("\(prefix)_median", numbers: median),
         FeatureColumn("\(prefix)_max", numbers: max)]
    }
}
