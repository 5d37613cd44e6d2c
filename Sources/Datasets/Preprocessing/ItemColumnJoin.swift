import Foundation

/// items.csv columns joined to every event through its item (`data.event_item_columns`), so the
/// sequence sees what was viewed or bought — its price, brand, seller — and not only which item.
/// Fields are named `item.<column>`: the prefix keeps them apart from an events.csv column of the
/// same name, and nothing that reads field names splits them at their first '.' (parameter names
/// only concatenate, and `sequence.last.<field>` splits at most twice).
public struct ItemColumnJoin {
    /// The joined columns: items.csv order when automatic, else the list's.
    var columns: [Column]
    /// Each event row's raw item id (events.csv's own column, shared, not copied).
    var itemIDs: [Int32]
    /// items.csv row per raw item id (−1: no row — `missing_entities: drop` removes such events
    /// from histories before this is read, so in a history −1 only comes from an event without an item).
    var rowOfItem: [Int32]
    /// Whether the list was chosen automatically (the run log then names it).
    var automatic: Bool

    static let prefix = "item."
    static func fieldName(_ column: String) -> String { prefix + column }

    /// Columns the automatic choice takes and an explicit list may name: the items.csv `:token`
    /// and `:float` columns other than the id, the category (already joined as `category_id`)
    /// and the image path (an id in all but name).
    static func eligible(_ items: AtomicTable, categoryColumn: String) -> [Column] {
        items.columns.filter { c in
            (c.spec.type == .token || c.spec.type == .float) && c.name != "item_id" && c.name != categoryColumn && c.name != "image"
        }
    }

    /// The columns `options.eventItemColumns` asks for (nil = every eligible column), checked
    /// against the dataset; nil when nothing is joined.
    static func resolve(raw: RawDataset, itemRowOfEventItem: [Int32]?, options: DataOptions) throws(DatasetError) -> ItemColumnJoin? {
        guard let items = raw.items, let rows = itemRowOfEventItem else {
            if let wanted = options.eventItemColumns, !wanted.isEmpty {
                throw .missingFile(path: (raw.folder as NSString).appendingPathComponent("items.csv"),
                                   hint: "data.event_item_columns lists \(wanted.joined(separator: ", ")), but the dataset has no items.csv; set it to [] or leave it out.")
            }
            return nil
        }
        let eligible = eligible(items, categoryColumn: options.itemCategoryColumn)
        var columns: [Column] = []
        if let wanted = options.eventItemColumns {
            for name in wanted {
                guard let c = eligible.first(where: { $0.name == name }) else {
                    let why = items.column(name).map { c in
                        c.spec.type == .token || c.spec.type == .float ? "is the id, category or image column" : "is :\(c.spec.type.rawValue)"
                    } ?? "is not a column of \(items.file)"
                    throw .invalid(file: items.file, message: "data.event_item_columns names \"\(name)\", which \(why); "
                                   + "choose among \(eligible.isEmpty ? "(none)" : eligible.map(\.name).joined(separator: ", ")) or [] for none")
                }
                if !columns.contains(where: { $0.name == name }) { columns.append(c) }
            }
        } else {
            columns = eligible
        }
        guard !columns.isEmpty else { return nil }
        return ItemColumnJoin(columns: columns, itemIDs: raw.events.column("item_id")!.tokenIDs!, rowOfItem: rows,
                              automatic: options.eventItemColumns == nil)
    }

    /// The names `options` joins from `items` (its list, else every eligible column), unchecked:
    /// what the feature export aggregates over the same columns.
    public static func columnNames(items: AtomicTable, options: DataOptions) -> [String] {
        options.eventItemColumns ?? eligible(items, categoryColumn: options.itemCategoryColumn).map(\.name)
    }

    var tokenColumns: [Column] { columns.filter { $0.spec.type == .token } }
    var floatColumns: [Column] { columns.filter { $0.spec.type == .float } }

    /// Raw token id of `column` per raw item id (−1 without a row or value): what an event's item
    /// id leads to, one entry per distinct item instead of one per event.
    func tokenIDsOfItems(_ column: Column) -> [Int32] {
        let values = column.tokenIDs!
        return rowOfItem.map { $0 >= 0 ? values[Int($0)] : -1 }
    }

    /// Writes `column`, standardised by `standardize`, into feature `f` of `floats`
    /// (`[samples × length × width]`). An event without an item (or value) gets the training
    /// mean, 0; its `item_id` field is `<missing>`, which tells the model so.
    func write(_ column: Column, standardized standardize: Standardizer, feature f: Int, width: Int, length: Int, order: [Int32],
               histories: [Range<Int>], into floats: inout [Float]) {
        let values = column.floatValues!
        let valueOfItem = rowOfItem.map { $0 >= 0 ? values[Int($0)] : .nan }
        valueOfItem.withUnsafeBufferPointer { valueOfItem in
            itemIDs.withUnsafeBufferPointer { items in
                order.withUnsafeBufferPointer { order in
                    floats.withUnsafeMutableBufferPointer { out in
                        SequenceFeatures.forEachWindowEvent(histories, length: length, width: width, feature: f) { p, k in
                            let item = items[Int(order[p])]
                            out[k] = standardize(item >= 0 ? valueOfItem[Int(item)] : .nan)
                        }
                    }
                }
            }
        }
    }

    /// The standardiser of `column` over the training samples' history events — each view of an
    /// item counts, as for events.csv float columns — so it describes the input the model is
    /// trained on and nothing held out moves it.
    func standardizer(_ column: Column, order: [Int32], histories: [Range<Int>], training: [Bool]) -> Standardizer {
        let values = column.floatValues!
        let valueOfItem = rowOfItem.map { $0 >= 0 ? values[Int($0)] : .nan }
        return valueOfItem.withUnsafeBufferPointer { valueOfItem in
            itemIDs.withUnsafeBufferPointer { items in
                Standardizer(values: histories.indices.lazy.filter { training[$0] }.flatMap { histories[$0] }.map { p -> Double in
                    let item = items[Int(order[p])]
                    return item >= 0 ? valueOfItem[Int(item)] : .nan
                })
            }
        }
    }

    /// Marks, in feature `f` of `missing`, the events whose item has no value of `column`.
    func markMissing(_ column: Column, feature f: Int, width: Int, length: Int, order: [Int32], histories: [Range<Int>], into missing: inout [UInt8]) {
        let values = column.floatValues!
        for (i, h) in histories.enumerated() {
            for (k, p) in h.enumerated() {
                let item = itemIDs[Int(order[p])], row = item >= 0 ? rowOfItem[Int(item)] : -1
                if row < 0 || !values[Int(row)].isFinite { missing[(i * length + k) * width + f] = 1 }
            }
        }
    }

    /// The run log's line when the choice was automatic.
    func note(itemsFile: String) -> String? {
        automatic ? "events get \(itemsFile) columns \(columns.map(\.name).joined(separator: ", ")) (data.event_item_columns; [] turns it off)" : nil
    }
}
