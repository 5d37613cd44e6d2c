/// One of `count` parts of a study's plan (`--shard index/count`, index from 0): the runs at
/// plan positions index, index + count, index + 2·count, … — round-robin, so every shard gets
/// runs of every variant and the shards of one plan are disjoint and together cover it.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// The whole plan as one shard.
    public static let whole = Shard(uncheckedIndex: 0, count: 1)

    init(uncheckedIndex index: Int, count: Int) { self.index = index; self.count = count }

    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1 else { throw ShardError(value: "\(index)/\(count)", rule: "the shard count N must be at least 1") }
        guard (0..<count).contains(index) else {
            throw ShardError(value: "\(index)/\(count)", rule: "the shard index i counts from 0, so it must be from 0 to N - 1 = \(count - 1)")
        }
        self.index = index; self.count = count
    }

    /// Parses `i/N` (as Slurm's `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` gives it).
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ShardError(value: text, rule: "expected i/N with whole numbers, the shard index i from 0 to N - 1 (e.g. 0/4)")
        }
        try self.init(index: i, count: n)
    }

    /// Whether the run at `position` of the plan (from 0) is this shard's.
    public func contains(_ position: Int) -> Bool { position % count == index }

    /// This shard's items of `plan`, in plan order.
    public func take<T>(_ plan: [T]) -> [T] { plan.enumerated().filter { contains($0.offset) }.map(\.element) }

    public var description: String { "\(index)/\(count)" }
}

/// A `--shard` value that breaks the rule it names.
public struct ShardError: Error, CustomStringConvertible, Equatable {
    public var value: String
    public var rule: String
    public var description: String { "--shard \(value): \(rule)" }
}
