/// Each sample's events exactly as the model sees them — kept by `PreparedDataset.prepare` when
/// `DataOptions.keepSampleEvents` is set, for consumers that need the raw rows (the feature
/// export); runs leave it off so the event index is freed after preparation.
public struct SampleEvents: Sendable {
    /// Events grouped by sequence key, in time order (unknown users/items already dropped).
    public let index: EventIndex
    /// Positions in `index.order` of each sample's window (cutoff, most recent `maxLength`), oldest first.
    public let windows: [Range<Int>]
    /// Positions in `index.order` of each sample's whole visible history: every event of its key
    /// at or before its cutoff, oldest first. Its window is the tail of this range.
    public let histories: [Range<Int>]
    /// Row of each sample's user in users.csv (−1 when none or no users table).
    public let userRows: [Int32]
    /// Row of each sample's target item in items.csv (−1 when none or no items table).
    public let itemRows: [Int32]

    /// The same samples with each window standing as the history: for summaries of the recent
    /// events the encoder sees, computed by the code that summarises whole histories.
    public var windowsAsHistories: SampleEvents {
        SampleEvents(index: index, windows: windows, histories: windows, userRows: userRows, itemRows: itemRows)
    }

    /// Event rows of sample `i`'s window, oldest first.
    public func rows(_ i: Int) -> ArraySlice<Int32> { index.order[windows[i]] }
    /// Event rows of sample `i`'s whole visible history, oldest first.
    public func historyRows(_ i: Int) -> ArraySlice<Int32> { index.order[histories[i]] }
}
