import NN

/// `training.pruning`, decoded once (see `ExperimentSchema.pruning` for each key's meaning).
public struct PruningOptions: Codable, Sendable, Hashable {
    /// 0: no pruning.
    public var targetSparsity: Double
    /// 1-based: the epoch whose first step prunes first.
    public var startEpoch: Int
    /// 1-based: the epoch whose last step reaches the target; nil: half the epochs, rounded up.
    public var endEpoch: Int?
    public var schedule: PruningSchedule.Shape
    /// Steps between mask updates while the sparsity ramps up.
    public var frequency: Int
    public var scope: MagnitudePruner.Scope

    public var isOn: Bool { targetSparsity > 0 }

    /// The epoch (1-based) by which the target is reached, for a run of `epochs` epochs.
    public func lastPruningEpoch(epochs: Int) -> Int { endEpoch ?? (epochs + 1) / 2 }
}

extension PruningSchedule.Shape: Codable {}
extension MagnitudePruner.Scope: Codable {}
