import Tensor

/// The part of the data a sample belongs to.
public enum SplitRole: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case train = 0, valid = 1, test = 2
    public var description: String { ["train", "valid", "test"][Int(rawValue)] }
}

/// How samples are divided. All strategies are seeded and deterministic.
public enum SplitStrategy: String, Sendable, CaseIterable {
    /// The default: the dataset's own `split` column when labels.csv has one; else `grouped`
    /// when a user has several samples; else `stratified` (the same thing when every user has one).
    case auto
    /// Random within each label class, so every split keeps the anomaly rate. A user with
    /// several samples may land in two splits: choosing this explicitly opts out of grouping.
    case stratified
    /// Stratified over users: each user goes whole to one split (an anomalous user counts as
    /// positive), so overlapping windows of one user never sit on both sides.
    case grouped
    /// The earliest samples (by cutoff) train, the latest test: no look into the future.
    case time
    /// Users are assigned whole: no user appears in two splits.
    case userDisjoint = "user_disjoint"
    /// The dataset's own `split` column.
    case column
}

public struct SplitFractions: Sendable, Equatable {
    public var train: Double, valid: Double, test: Double
    public init(train: Double = 0.7, valid: Double = 0.15, test: Double = 0.15) {
        self.train = train; self.valid = valid; self.test = test
    }

    /// How far the shares' sum may be from 1 (decimal shares such as 0.7 + 0.15 + 0.15 are not exact).
    public static let sumTolerance = 1e-9

    /// Why these shares cannot divide a dataset (each must lie in [0, 1] and all must sum to 1),
    /// naming the config keys `data.split.*`; nil when they can. The config schema and the
    /// splitter both ask, so a wrong share is never silently rescaled.
    public var problem: String? {
        let shares = [("train", train), ("valid", valid), ("test", test)]
        if let (name, value) = shares.first(where: { !($0.1 >= 0 && $0.1 <= 1) }) {
            return "data.split.\(name) is \(value), but a share must lie between 0 and 1"
        }
        let sum = train + valid + test
        guard abs(sum - 1) > Self.sumTolerance else { return nil }
        // Rounded to the tolerance, so 0.8 + 0.15 + 0.15 reads 1.1, not 1.1000000000000003.
        let shownSum = (sum / Self.sumTolerance).rounded() * Self.sumTolerance
        return "data.split.train (\(train)) + data.split.valid (\(valid)) + data.split.test (\(test)) = \(shownSum), but the shares must sum to 1"
    }
}

extension SplitStrategy {
    /// What `auto` becomes for these inputs, and why (for the run log).
    static func resolvingAuto(_ inputs: SplitInputs) -> (SplitStrategy, reason: String) {
        if inputs.declared != nil { return (.column, "labels.csv has a split column, so it is used (data.split.strategy auto → column)") }
        var seen = Set<Int32>(), repeated = Set<Int32>()
        for g in inputs.groups where !seen.insert(g).inserted { repeated.insert(g) }
        if !repeated.isEmpty {
            return (.grouped, "\(repeated.count) users have several samples, so the split keeps each user whole (data.split.strategy auto → grouped; "
                    + "set stratified to opt out)")
        }
        return (.stratified, "")
    }
}

/// Per-sample facts the split strategies need.
public struct SplitInputs: Sendable {
    public var labels: [Float]
    public var cutoffs: [Double]
    /// A group id per sample (the user) for disjoint splits.
    public var groups: [Int32]
    /// The dataset's own split column, if any (−1 where empty).
    public var declared: [SplitRole?]?
}

public enum Splitter {
    /// Assigns a role to every sample. With `fold` (k-fold cross-validation), the samples are cut
    /// into `fold.count` parts by the strategy's ordering unit; part `fold.index` is the test set
    /// and the validation set is taken from the rest by `fractions.valid / (train + valid)`.
    public static func assign(_ inputs: SplitInputs, strategy: SplitStrategy, fractions: SplitFractions = .init(),
                              seed: UInt64, fold: (index: Int, count: Int)? = nil) throws(DatasetError) -> [SplitRole] {
        let n = inputs.labels.count
        if strategy != .column, let problem = fractions.problem { throw .invalid(file: "config", message: problem) }
        var generator = RandomGenerator(seed: seed ^ 0x5EED_5B11)
        switch strategy {
        case .auto:
            return try assign(inputs, strategy: SplitStrategy.resolvingAuto(inputs).0, fractions: fractions, seed: seed, fold: fold)
        case .grouped:
            // Groups in order of their first sample, labelled positive when any sample is.
            var groupOrder: [Int32] = [], positive: [Int32: Bool] = [:]
            for (i, g) in inputs.groups.enumerated() {
                if positive[g] == nil { groupOrder.append(g); positive[g] = false }
                if inputs.labels[i] == 1 { positive[g] = true }
            }
            var roleOfGroup: [Int32: SplitRole] = [:]
            for cls in [false, true] {
                var members = groupOrder.filter { positive[$0] == cls }
                members.shuffle(using: &generator)
                var roles = [SplitRole](repeating: .train, count: members.count)
                assignOrdered(Array(members.indices), into: &roles, fractions: fractions, fold: fold)
                for (k, g) in members.enumerated() { roleOfGroup[g] = roles[k] }
            }
            return inputs.groups.map { roleOfGroup[$0]! }
        case .column:
            guard let declared = inputs.declared else {
                throw .missingColumn(file: "labels.csv", column: "split", hint: "split strategy \"column\" needs a split:token column with train/valid/test.")
            }
            var roles = [SplitRole](repeating: .train, count: n)
            for i in 0..<n {
                guard let r = declared[i] else {
                    throw .invalid(file: "labels.csv", message: "sample \(i + 1) has no split value; strategy \"column\" needs train, valid or test on every row")
                }
                roles[i] = r
            }
            return roles
        case .stratified:
            var roles = [SplitRole](repeating: .train, count: n)
            for cls: Float in [0, 1] {
                var members = (0..<n).filter { inputs.labels[$0] == cls }
                members.shuffle(using: &generator)
                assignOrdered(members, into: &roles, fractions: fractions, fold: fold)
            }
            return roles
        case .time:
            let ordered = (0..<n).sorted { inputs.cutoffs[$0] < inputs.cutoffs[$1] || (inputs.cutoffs[$0] == inputs.cutoffs[$1] && $0 < $1) }
            var roles = [SplitRole](repeating: .train, count: n)
            if fold != nil {
                // Plain k-fold on time order would train on the future, so it is refused.
                throw .invalid(file: "config", message: "k-fold cross-validation is not defined for the time split (it would train on the future); use stratified or user_disjoint")
            }
            assignOrdered(ordered, into: &roles, fractions: fractions, fold: nil)
            return roles
        case .userDisjoint:
            var groups = Array(Set(inputs.groups)).sorted()
            groups.shuffle(using: &generator)
            var groupRole: [Int32: SplitRole] = [:]
            var roleOfGroup = [SplitRole](repeating: .train, count: groups.count)
            assignOrdered(Array(0..<groups.count), into: &roleOfGroup, fractions: fractions, fold: fold)
            for (i, gid) in groups.enumerated() { groupRole[gid] = roleOfGroup[i] }
            return inputs.groups.map { groupRole[$0]! }
        }
    }

    /// Cuts an ordered list into train | valid | test (or, with a fold, test = that fold).
    static func assignOrdered(_ ordered: [Int], into roles: inout [SplitRole], fractions: SplitFractions,
                              fold: (index: Int, count: Int)?) {
        let n = ordered.count
        if let fold {
            let start = n * fold.index / fold.count, end = n * (fold.index + 1) / fold.count
            let rest = Array(ordered[..<start]) + Array(ordered[end...])
            let validShare = fractions.valid / max(fractions.train + fractions.valid, 1e-12)
            let validCount = Int((Double(rest.count) * validShare).rounded())
            for i in start..<end { roles[ordered[i]] = .test }
            for (k, i) in rest.enumerated() { roles[i] = k < validCount ? .valid : .train }
            return
        }
        // The shares sum to 1 within `sumTolerance`; dividing by the sum only absorbs that rounding.
        let total = fractions.train + fractions.valid + fractions.test
        let trainEnd = Int((Double(n) * fractions.train / total).rounded())
        let validEnd = trainEnd + Int((Double(n) * fractions.valid / total).rounded())
        for (k, i) in ordered.enumerated() {
            roles[i] = k < trainEnd ? .train : (k < min(validEnd, n) ? .valid : .test)
        }
    }
}
