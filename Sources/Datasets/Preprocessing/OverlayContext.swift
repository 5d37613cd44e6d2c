import Foundation

/// A sample to prepare from an overlay (`PreparationContext.overlay`): its sequence key, user
/// and target item, and its own rows — each part it does not give is the dataset's.
public struct OverlaySample: Sendable {
    public var key: String
    public var userID: String?
    public var itemID: String?
    public var rows: InlineRows?

    public init(key: String, userID: String?, itemID: String?, rows: InlineRows?) {
        self.key = key; self.userID = userID; self.itemID = itemID; self.rows = rows
    }
}

/// What samples read, by id: each key's events, each user's and item's row (nil: none). A
/// sample's own rows stand in for the dataset's wherever that sample reads them (its events'
/// items included); samples whose views disagree on an id cannot share one overlay.
struct OverlayView {
    var keyOrder: [String] = []
    var events: [String: [InlineRow]] = [:]
    var userOrder: [String] = []
    var users: [String: InlineRow?] = [:]
    var itemOrder: [String] = []
    var items: [String: InlineRow?] = [:]

    /// Whether `other` gives no id a value other than this view's.
    func agrees(with other: OverlayView) -> Bool {
        other.events.allSatisfy { (key, value) in events[key].map { $0 == value } ?? true }
            && other.users.allSatisfy { (key, value) in users[key].map { $0 == value } ?? true }
            && other.items.allSatisfy { (key, value) in items[key].map { $0 == value } ?? true }
    }

    mutating func merge(_ other: OverlayView) {
        for k in other.keyOrder where events[k] == nil { keyOrder.append(k); events[k] = other.events[k] }
        for u in other.userOrder where users[u] == nil { userOrder.append(u); users[u] = other.users[u] }
        for i in other.itemOrder where items[i] == nil { itemOrder.append(i); items[i] = other.items[i] }
    }

    mutating func setUser(_ id: String, _ row: InlineRow?) {
        if users.updateValue(row, forKey: id) == nil { userOrder.append(id) }
    }

    mutating func setItem(_ id: String, _ row: InlineRow?) {
        if items.updateValue(row, forKey: id) == nil { itemOrder.append(id) }
    }
}

extension PreparationContext {
    /// Contexts holding only what `samples` read — each one's events (its own, else its key's
    /// in this dataset), the rows of its user, its target item and its events' users and items
    /// (its own, else this dataset's) — with this context's fitted lookups and `fitted` laid
    /// over them, and the samples (indices into `samples`) each one is for. A sample prepared
    /// from its overlay gets the inputs it gets from this context when its own rows equal the
    /// dataset's: nothing is fitted, and each table keeps this dataset's columns. Samples share
    /// an overlay unless they disagree on an id's rows (two samples of one user with different
    /// inline events go apart), so a batch usually needs one. Set each context's samples table
    /// with `with(samples:)`.
    public func overlays(_ samples: [OverlaySample], applying fitted: FittedPreprocessing) throws(DatasetError) -> [(samples: [Int], context: PreparationContext)] {
        var out: [(samples: [Int], context: PreparationContext)] = []
        for group in overlayGroups(samples) {
            var overlay = raw
            let merged = group.view
            overlay.events = AtomicTable(file: raw.events.file, specs: raw.events.specs, rows: merged.keyOrder.flatMap { merged.events[$0]! })
            overlay.users = raw.users.map { AtomicTable(file: $0.file, specs: $0.specs, rows: merged.userOrder.compactMap { merged.users[$0]! }) }
            overlay.items = raw.items.map { AtomicTable(file: $0.file, specs: $0.specs, rows: merged.itemOrder.compactMap { merged.items[$0]! }) }
            out.append((group.members, try PreparationContext(raw: overlay, options: options, applying: fitted, sharing: self)))
        }
        return out
    }

    /// The groups of `overlays`, in order: a sample joins the first group whose samples read
    /// the same events and rows for every id they share with it.
    func overlayGroups(_ samples: [OverlaySample]) -> [(members: [Int], view: OverlayView)] {
        var groups: [(members: [Int], view: OverlayView)] = []
        for (i, s) in samples.enumerated() {
            let view = view(of: s)
            if let g = groups.firstIndex(where: { $0.view.agrees(with: view) }) {
                groups[g].members.append(i)
                groups[g].view.merge(view)
            } else {
                groups.append(([i], view))
            }
        }
        return groups
    }

    /// The events and rows sample `s` reads.
    func view(of s: OverlaySample) -> OverlayView {
        var view = OverlayView()
        let key = raw.sequenceKey
        var rows: [InlineRow]
        if let given = s.rows?.events {
            // The sample's ids are its events' ids.
            rows = given.map { e in
                var row = e
                row[key] = .token(s.key)
                if let u = s.userID { row["user_id"] = .token(u) }
                if raw.eventTypeAdded, row["event_type"] == nil { row["event_type"] = .token("interaction") }
                return row
            }
        } else {
            let k = eventKey.tokens.lookup(s.key) ?? -1
            rows = index.all(key: k).map { raw.events.row(Int(index.order[$0])) }
        }
        view.keyOrder = [s.key]
        view.events[s.key] = rows
        if raw.users != nil {
            if let u = s.userID { view.setUser(u, s.rows?.profile.map { withID($0, "user_id", u) } ?? storedRow(raw.users, "user_id", u)) }
            for e in rows { if case let .token(u)? = e["user_id"], view.users[u] == nil { view.setUser(u, storedRow(raw.users, "user_id", u)) } }
        }
        if let items = raw.items {
            if let t = s.itemID {
                let stored = storedRow(items, "item_id", t)
                // The picture stays the stored one: a request's image comes as data, never as a path.
                view.setItem(t, s.rows?.attributes.map { given in
                    var row = withID(given, "item_id", t)
                    row["image"] = stored?["image"]
                    return row
                } ?? stored)
            }
            for e in rows { if case let .token(i)? = e["item_id"], view.items[i] == nil { view.setItem(i, storedRow(items, "item_id", i)) } }
        }
        return view
    }

    private func withID(_ row: InlineRow, _ column: String, _ id: String) -> InlineRow {
        var row = row
        row[column] = .token(id)
        return row
    }

    /// The row of `table` whose `idColumn` is `id`, or nil.
    private func storedRow(_ table: AtomicTable?, _ idColumn: String, _ id: String) -> InlineRow? {
        guard let table, let ids = table.column(idColumn), let raw = ids.tokens.lookup(id) else { return nil }
        return table.row(Int(PreparedDataset.rowOf(ids, raw)))
    }
}
