import Datasets
import Models

/// A feature table as the classical models read it: numbers as they are (NaN missing), tokens as
/// category codes counted on training rows only — the most frequent first, at most
/// `maximumCategories` (the rest share one `other` code), and a token never seen in training or
/// empty is missing. Nothing held out decides a code.
enum FeatureCoding {
    /// 255 codes, as the tree script keeps (254 most frequent + other): XGBoost and the one-hot
    /// models stay small on high-cardinality ids.
    static let maximumCategories = 255

    static func matrix(_ table: FeatureTable, training: [Bool]) -> FeatureMatrix {
        let n = table.sampleCount, c = table.columns.count
        var values = [Float](repeating: .nan, count: n * c)
        var cardinalities: [Int?] = []
        for (j, column) in table.columns.enumerated() {
            switch column.values {
            case let .numbers(v):
                for i in 0..<n where v[i].isFinite { values[i * c + j] = Float(v[i]) }
                cardinalities.append(nil)
            case let .tokens(t):
                let codes = codes(t, training: training)
                for i in 0..<n { if let code = codes.code[t[i]] { values[i * c + j] = Float(code) } }
                cardinalities.append(max(codes.count, 1))
            }
        }
        return FeatureMatrix(rows: n, names: table.columns.map(\.name), cardinalities: cardinalities, values: values)
    }

    /// Code per token (training frequency order, ties by token text), and the number of codes.
    static func codes(_ tokens: [String], training: [Bool]) -> (code: [String: Int], count: Int) {
        var counts: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where training[i] && !t.isEmpty { counts[t, default: 0] += 1 }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        var code: [String: Int] = [:]
        if ranked.count <= maximumCategories {
            for (k, t) in ranked.enumerated() { code[t] = k }
            return (code, ranked.count)
        }
        let other = maximumCategories - 1
        for (k, t) in ranked.enumerated() { code[t] = min(k, other) }
        return (code, maximumCategories)
    }
}
