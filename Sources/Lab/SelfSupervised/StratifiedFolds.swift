import Tensor

/// Stratified k-fold assignment, as scikit-learn's `StratifiedKFold(shuffle=True)`: within each
/// class the samples are shuffled by `seed` and dealt to the folds in turn, so every fold holds
/// each class in about the same share.
public enum StratifiedFolds {
    /// The number of folds for `labels`: `preferred`, but no more than the rarer class has
    /// members (every fold must hold an anomaly); below 2 there is nothing to cross-validate.
    public static func count(labels: [Bool], preferred: Int) -> Int {
        let positives = labels.filter { $0 }.count
        return min(preferred, positives, labels.count - positives)
    }

    /// Each position's fold in `0..<folds`.
    public static func assign(labels: [Bool], folds: Int, seed: UInt64) -> [Int] {
        precondition(folds >= 1, "at least one fold")
        var g = RandomGenerator(seed: seed ^ 0x5F01_D5C7)
        var fold = [Int](repeating: 0, count: labels.count)
        var next = 0
        for cls in [true, false] {
            var members = labels.indices.filter { labels[$0] == cls }
            members.shuffle(using: &g)
            // The deal continues where the other class stopped, so fold sizes differ by one at most.
            for i in members { fold[i] = next % folds; next += 1 }
        }
        return fold
    }
}
