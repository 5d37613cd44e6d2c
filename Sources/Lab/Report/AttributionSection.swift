import Foundation
import Support
import Plot

/// Which modality (and the consistency evidence) the score leaned on, per anomaly type: each
/// sample's absolute logit drop when one input is masked, as a share of its drops, averaged
/// over samples and seeds (attribution_by_type.csv's `masking_share`).
enum AttributionSection {
    /// The share rows a heatmap shows: masking shares, or a self-supervised run's component shares.
    static let shareMethods: Set<String> = ["masking_share", "surprise_share"]

    static func heatmap(_ runs: [RunArtifacts], title: String) -> String? {
        let tables = runs.compactMap(\.attribution)
        guard let first = tables.first, !first.columns.isEmpty else { return nil }
        var typeOrder: [String] = []
        for row in first.rows where shareMethods.contains(row.method) && !typeOrder.contains(row.anomalyType) { typeOrder.append(row.anomalyType) }
        guard !typeOrder.isEmpty else { return nil }
        // "all" and "normal" first, then the anomaly types.
        typeOrder.sort { a, b in
            let rank = { (t: String) in t == "all" ? 0 : t == "normal" ? 1 : 2 }
            return (rank(a), a) < (rank(b), b)
        }
        let columns = first.columns
        let values: [[Double?]] = typeOrder.map { type in
            columns.map { column in
                let cells = tables.compactMap { t -> Double? in
                    guard let c = t.columns.firstIndex(of: column), let row = t.rows.first(where: { $0.anomalyType == type && shareMethods.contains($0.method) }) else { return nil }
                    return c < row.values.count ? row.values[c] : nil
                }
                return ReportStyle.mean(cells)
            }
        }
        var map = Heatmap(rows: typeOrder.map { $0 == "all" ? "all test samples" : $0 }, columns: columns, values: values,
                          colorMap: .sequential(lower: 0, upper: 1), title: title, legendLabel: "share of effect")
        map.cellWidth = 78
        return ReportPage.figure(map.svg())
    }

    static func html(_ inputs: ReportInputs) -> String? {
        let figures = inputs.variants.compactMap { v in heatmap(inputs.runs(v), title: v) }
        guard !figures.isEmpty else { return nil }
        return ReportPage.note("Each cell: how much of a sample's score change comes from masking that input (the absolute logit drops, as shares summing to 1 across a row), "
                               + "mean over the type's test samples and over seeds. Rows are anomaly types; “consistency” is the cross-modal consistency evidence. "
                               + "For a self-supervised run the columns are its components, each one's share of the score (surprise_share). "
                               + "Variants with a single modality have nothing to mask and are left out.")
            + ReportPage.row(figures)
    }
}
