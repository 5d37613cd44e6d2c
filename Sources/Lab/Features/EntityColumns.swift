import Foundation
import Datasets

/// The sample's profile row (users.csv) and its target item's row (items.csv) as raw values,
/// plus the target's float columns standardised within its category on training samples only.
enum EntityColumns {
    /// Every float and token column of `table` except its id and the image path, prefixed; a
    /// `token_seq` column becomes its length (`<column>_count`; the tokens themselves are matched
    /// against the target item by `targetInProfileLists`); `float_seq` columns are left out, as
    /// the model's tabular encoders leave them.
    static func columns(_ table: AtomicTable, idColumn: String, prefix: String, rows: [Int32]) -> [FeatureColumn] {
        var out: [FeatureColumn] = []
        for column in table.columns where column.name != idColumn && column.name != "image" {
            switch column.values {
            case let .floats(values):
                out.append(FeatureColumn(prefix + column.name, numbers: rows.map { $0 >= 0 ? values[Int($0)] : .nan }))
            case let .tokens(ids):
                // Token strings once per distinct id, not once per sample.
                let strings = column.tokens.strings
                out.append(FeatureColumn(prefix + column.name, tokens: rows.map { r in
                    guard r >= 0, case let id = ids[Int(r)], id >= 0 else { return "" }
                    return strings[Int(id)]
                }))
            case let .tokenSequences(offsets, _):
                out.append(FeatureColumn(prefix + column.name + "_count", numbers: rows.map { $0 >= 0 ? Double(offsets[Int($0) + 1] - offsets[Int($0)]) : .nan }))
            case .floatSequences:
                continue
            }
        }
        return out
    }

    /// For each profile `token_seq` column and item token column that share a token string (such
    /// as `preferred_categories` and `category_id`): 1 when the target item's token is in the
    /// user's list, else 0 (NaN without both rows) — "does this user shop this category".
    static func targetInProfileLists(users: AtomicTable, userRows: [Int32], items: AtomicTable, itemRows: [Int32]) -> [FeatureColumn] {
        var out: [FeatureColumn] = []
        for list in users.columns {
            guard case let .tokenSequences(offsets, ids) = list.values else { continue }
            let index = Dictionary(list.tokens.strings.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
            for column in items.columns where column.name != "item_id" {
                guard let itemIDs = column.tokenIDs else { continue }
                // Item token id → list token id (−1: the list vocabulary never has it).
                let mapped = column.tokens.strings.map { index[$0] ?? -1 }
                guard mapped.contains(where: { $0 >= 0 }) else { continue }
                out.append(FeatureColumn("item_\(column.name)_in_user_\(list.name)", numbers: zip(userRows, itemRows).map { u, r in
                    guard u >= 0, r >= 0, case let raw = itemIDs[Int(r)], raw >= 0 else { return .nan }
                    let wanted = mapped[Int(raw)]
                    return ids[Int(offsets[Int(u)])..<Int(offsets[Int(u) + 1])].contains(wanted) && wanted >= 0 ? 1 : 0
                }))
            }
        }
        return out
    }

    /// For every float column of items.csv, `item_<column>_z_in_category`: the target item's value
    /// standardised within its category (items.csv's `data.item_category_column`), each category's
    /// mean and standard deviation taken over the distinct items that are targets of training
    /// samples — "expensive for a bag" is not in the raw value nor in any history aggregate. On a
    /// log scale when every such training value is positive (prices, counts: multiplicative and
    /// skewed), else raw. Missing for a category with fewer than two training items or no spread,
    /// and for a non-positive value of a log-scaled column. None without that category column.
    static func zWithinCategory(_ items: AtomicTable, rows: [Int32], training: [Bool], categoryColumn: String) -> [FeatureColumn] {
        guard let category = items.column(categoryColumn), let categories = category.tokenIDs else { return [] }
        var isTrainingItem = [Bool](repeating: false, count: items.rowCount)
        for (i, r) in rows.enumerated() where training[i] && r >= 0 { isTrainingItem[Int(r)] = true }
        var out: [FeatureColumn] = []
        for column in items.columns {
            guard let values = column.floatValues else { continue }
            let trainingRows = (0..<items.rowCount).filter { isTrainingItem[$0] && categories[$0] >= 0 && values[$0].isFinite }
            let logScale = !trainingRows.isEmpty && trainingRows.allSatisfy { values[$0] > 0 }
            func scaled(_ r: Int) -> Double? {
                let v = values[r]
                guard v.isFinite, categories[r] >= 0, !logScale || v > 0 else { return nil }
                return logScale ? Foundation.log(v) : v
            }
            var count = [Double](repeating: 0, count: category.tokens.count), sum = count, sumSquares = count
            for r in trainingRows {
                guard let v = scaled(r) else { continue }
                let c = Int(categories[r])
                count[c] += 1; sum[c] += v; sumSquares[c] += v * v
            }
            let z = rows.map { r -> Double in
                guard r >= 0, let v = scaled(Int(r)), case let c = Int(categories[Int(r)]), count[c] >= 2 else { return .nan }
                let mean = sum[c] / count[c]
                let variance = Swift.max(sumSquares[c] / count[c] - mean * mean, 0)
                return variance > 1e-24 ? (v - mean) / variance.squareRoot() : .nan
            }
            out.append(FeatureColumn("item_\(column.name)_z_in_category", numbers: z))
        }
        return out
    }
}
