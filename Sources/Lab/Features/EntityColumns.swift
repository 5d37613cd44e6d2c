import Foundation
import Datasets

/// The sample's profile row (users.csv) and its target item's row (items.csv) as raw values,
/// plus the target's price standardised within its category on training samples only.
enum EntityColumns {
    /// Every float and token column of `table` except its id and the image path, prefixed;
    /// sequence-typed columns are left out, as the model's tabular encoders leave them.
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
            case .tokenSequences, .floatSequences:
                continue
            }
        }
        return out
    }

    /// z-score of log(price) within the target's category, with each category's mean and
    /// standard deviation taken over the targets of training samples (a sample of a category
    /// with fewer than two training prices, or a non-positive price, gets none). Log, because
    /// prices are log-normal per category. Nil when items.csv has no `price:float` and
    /// `category_id:token`.
    static func priceZWithinCategory(_ items: AtomicTable, rows: [Int32], training: [Bool]) -> FeatureColumn? {
        guard let prices = items.column("price")?.floatValues, let categories = items.column("category_id")?.tokenIDs else { return nil }
        let categoryCount = items.column("category_id")!.tokens.count
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
