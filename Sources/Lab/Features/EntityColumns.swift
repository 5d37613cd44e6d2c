import Foundation
import Datasets

/// The sample's profile row (users.csv) and its target item's row (items.csv) as raw values,
/// plus the target's price standardised within its category on training samples only.
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

    /// z-score of log(price) within the target's category, with each category's mean and
    /// standard deviation taken over the targets of training samples (a sample of a category
    /// with fewer than two training prices, or a non-positive price, gets none). Log, because
    /// prices are log-normal per category. Nil when items.csv has no `price:float` and
    /// `category_id:token`.
    static func priceZWithinCategory(_ items: AtomicTable, rows: [Int32], training: [Bool], categoryColumn: String = "category_id") -> FeatureColumn? {
        guard let prices = items.column("price")?.floatValues, let categories = items.column(categoryColumn)?.tokenIDs else { return nil }
        let categoryCount = items.column(categoryColumn)!.tokens.count
        func logPrice(_ r: Int32) -> (Int, Double)? {
            guard r >= 0, case let c = categories[Int(r)], c >= 0, case let p = prices[Int(r)], p.isFinite, p > 0 else { return nil }
            return (Int(c), Foundation.log(p))
        }
        var count = [Double](repeating: 0, count: categoryCount), sum = count, sumSquares = count
        for (i, r) in rows.enumerated() where training[i] {
            guard let (c, v) = logPrice(r) else { continue }
            count[c] += 1; sum[c] += v; sumSquares[c] += v * v
        }
        let z = rows.map { r -> Double in
            guard let (c, v) = logPrice(r), count[c] >= 2 else { return .nan }
            let mean = sum[c] / count[c]
            let variance = Swift.max(sumSquares[c] / count[c] - mean * mean, 0)
            return variance > 1e-24 ? (v - mean) / variance.squareRoot() : .nan
        }
        return FeatureColumn("item_price_z_in_category", numbers: z)
    }
}
