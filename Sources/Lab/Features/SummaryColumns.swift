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

    /// Summarises `values` (sorted in place) as sample `i`.
    mutating func set(_ i: Int, _ values: inout [Double]) {
        guard !values.isEmpty else { return }
        values.sort()
        let n = Double(values.count)
        let m = values.reduce(0, +) / n
        mean[i] = m
        std[i] = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
        min[i] = values[0]
        max[i] = values[values.count - 1]
        let mid = values.count / 2
        median[i] = values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
    }

    var columns: [FeatureColumn] {
        [FeatureColumn("\(prefix)_mean", numbers: mean), FeatureColumn("\(prefix)_std", numbers: std),
         FeatureColumn("\(prefix)_min", numbers: min), FeatureColumn("\(prefix)_median", numbers: median),
         FeatureColumn("\(prefix)_max", numbers: max)]
    }
}
