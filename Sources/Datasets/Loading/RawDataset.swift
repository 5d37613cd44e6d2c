import Foundation
import Support

/// A dataset folder read into typed tables, checked for the columns the format requires
/// (docs/DATASETS.md). Nothing is encoded yet: that needs a split, so that vocabularies and
/// statistics come from training samples only.
public struct RawDataset: Sendable {
    public var folder: String
    public var events: AtomicTable
    public var labels: AtomicTable
    public var users: AtomicTable?
    public var items: AtomicTable?

    /// `session_id` when both labels and events have it, else `user_id`.
    public var sequenceKey: String
    /// events had no `event_type` column (as RecBole's `.inter` files): every event got the one
    /// type `interaction`.
    public var eventTypeAdded = false

    /// Reads `events`, `labels`, and optional `users`, `items` (`.csv`, or RecBole's `.inter`,
    /// `.user`, `.item`). With `samples` (a labels.csv-shaped file anywhere, scoring), the
    /// samples come from that file instead, and their `label` column is optional. With
    /// `spillingEventsTo`, the events' values go to files in that folder as they are read
    /// (`AtomicTable.spilled`): memory then holds the other tables and the events' metadata.
    public static func load(folder: String, samples: String? = nil, spillingEventsTo spill: String? = nil) throws(DatasetError) -> RawDataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingFile(path: folder, hint: "A dataset is a folder with events.csv and labels.csv (see docs/DATASETS.md); `fusionlab generate` writes one.")
        }
        var events = try readTable(folder, "events", recBoleSuffix: "inter", required: true, spill: spill)!
        // RecBole's interactions carry no event type: one type for all, noted when prepared.
        let eventTypeAdded = !events.hasColumn("event_type")
        if eventTypeAdded {
            var tokens = TokenInterner(capacity: 1)
            let id = tokens.intern("interaction")
            events.spilled?.addConstant("event_type", id: id)
            events.columns.append(Column(spec: ColumnSpec(name: "event_type", type: .token),
                                         values: .tokens([Int32](repeating: id, count: events.spilled == nil ? events.rowCount : 0)),
                                         tokens: tokens, firstMissing: nil, firstInfinite: nil))
        }
        let labels: AtomicTable
        if let samples {
            guard FileManager.default.fileExists(atPath: samples) else {
                throw .missingFile(path: samples, hint: "The samples to score: a labels.csv-shaped file (sample_id and the sequence key; label optional).")
            }
            labels = try AtomicTable.read(path: samples)
        } else {
            labels = try readTable(folder, "labels", recBoleSuffix: nil, required: true)!
        }
        let users = try readTable(folder, "users", recBoleSuffix: "user", required: false)
        let items = try readTable(folder, "items", recBoleSuffix: "item", required: false)

        for (name, type) in [("user_id", ColumnType.token), ("timestamp", .float), ("event_type", .token), ("item_id", .token)] {
            _ = try events.require(name, type: type)
        }
        _ = try labels.require("sample_id", type: .token)
        if samples == nil || labels.hasColumn("label") { _ = try labels.require("label", type: .float) }
        let key = labels.hasColumn("session_id") && events.hasColumn("session_id") ? "session_id" : "user_id"
        _ = try labels.require(key, type: .token)
        if let users { _ = try users.require("user_id", type: .token) }
        if let items { _ = try items.require("item_id", type: .token) }

        // item_id may be empty (a search has no item); the sequence key may not, or the event
        // would silently belong to no sequence.
        try ValueRules.checkHasRows(events, what: "event")
        try ValueRules.check(events, required: ["user_id", "timestamp", "event_type", key])
        try ValueRules.checkHasRows(labels, what: "sample")
        try ValueRules.check(labels, required: Set(["sample_id", key] + (labels.hasColumn("label") ? ["label"] : [])))
        if let users { try ValueRules.checkHasRows(users, what: "user (or leave the file out)"); try ValueRules.check(users, required: ["user_id"]) }
        if let items { try ValueRules.checkHasRows(items, what: "item (or leave the file out)"); try ValueRules.check(items, required: ["item_id"]) }
        if let users { try checkUnique(users, "user_id") }
        if let items { try checkUnique(items, "item_id") }
        try checkUnique(labels, "sample_id")
        if labels.hasColumn("label") { try checkLabels(labels) }
        if let items { try checkImagePaths(items, folder: folder) }
        return RawDataset(folder: folder, events: events, labels: labels, users: users, items: items, sequenceKey: key, eventTypeAdded: eventTypeAdded)
    }

    private static func readTable(_ folder: String, _ name: String, recBoleSuffix: String?, required: Bool, spill: String? = nil) throws(DatasetError) -> AtomicTable? {
        func read(_ path: String, _ displayName: String) throws(DatasetError) -> AtomicTable {
            if let spill { return try AtomicTable.read(path: path, displayName: displayName, spillingTo: spill) }
            return try AtomicTable.read(path: path, displayName: displayName)
        }
        let csv = (folder as NSString).appendingPathComponent(name + ".csv")
        if FileManager.default.fileExists(atPath: csv) { return try read(csv, name + ".csv") }
        if let recBoleSuffix,
           let match = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted().first(where: { $0.hasSuffix("." + recBoleSuffix) }) {
            return try read((folder as NSString).appendingPathComponent(match), match)
        }
        if required {
            throw .missingFile(path: csv, hint: "Every dataset needs \(name).csv (see docs/DATASETS.md).")
        }
        return nil
    }

    /// Ids in a key column must be unique; the error names both lines.
    static func checkUnique(_ table: AtomicTable, _ column: String) throws(DatasetError) {
        let c = try table.require(column, type: .token)
        guard let ids = c.tokenIDs else { return }
        var firstRow = [Int32](repeating: -1, count: c.tokens.count)
        for (row, id) in ids.enumerated() {
            guard id >= 0 else {
                throw .csv(file: table.file, line: Int(table.lines[row]), column: table.columns.firstIndex { $0.name == column }! + 1,
                           message: "\(column) is empty; every row needs an id")
            }
            if firstRow[Int(id)] >= 0 {
                throw .duplicateID(file: table.file, line: Int(table.lines[row]), id: c.tokens.string(id),
                                   firstLine: Int(table.lines[Int(firstRow[Int(id)])]))
            }
            firstRow[Int(id)] = Int32(row)
        }
    }

    /// Every `image` path of items.csv stays inside the dataset folder (resolved, symlinks
    /// included), whether or not a sample uses that item: a path pointing outside is data that
    /// must not be opened, reported where it is written.
    static func checkImagePaths(_ items: AtomicTable, folder: String) throws(DatasetError) {
        guard let image = items.column("image"), let ids = image.tokenIDs else { return }
        let root: ConfinedRoot
        do { root = try ConfinedRoot(folder) } catch { throw .invalid(file: folder, message: error.rule) }
        var checked = [Bool](repeating: false, count: image.tokens.count)
        for (row, id) in ids.enumerated() where id >= 0 && !checked[Int(id)] {
            checked[Int(id)] = true
            let path = image.tokens.string(id)
            do { _ = try root.resolve(path) } catch {
                throw .csv(file: items.file, line: Int(items.lines[row]), column: items.columns.firstIndex { $0.name == "image" }! + 1,
                           message: "image \"\(path)\" is refused: \(error.rule); image paths must be relative and stay inside the dataset folder")
            }
        }
    }

    private static func checkLabels(_ labels: AtomicTable) throws(DatasetError) {
        let values = try labels.require("label", type: .float).floatValues!
        let column = labels.columns.firstIndex { $0.name == "label" }! + 1
        // Non-finite labels were refused by ValueRules, so what is left is a finite number.
        for (row, v) in values.enumerated() where v != 0 && v != 1 {
            throw .csv(file: labels.file, line: Int(labels.lines[row]), column: column, message: "label must be 0 or 1, found \(v)")
        }
    }

    public var sampleCount: Int { labels.rowCount }
}
