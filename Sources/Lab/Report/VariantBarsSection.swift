import Foundation
import Support
import Plot

/// Each variant's test metrics as horizontal bars, sorted best first, with ± std error bars;
/// in a modality ablation the full model stands out in its own colour.
enum VariantBarsSection {
    static let metrics: [(name: String, axis: String, lower: Double)] = [
        ("roc_auc", "test ROC AUC (axis from chance, 0.5)", 0.5),
        ("average_precision", "test average precision", 0),
        ("recall_at_1pct_fpr", "test recall at 1% false-positive rate", 0),
    ]

    /// "(−0.012)": the difference from the full model, shown beside each ablated bar.
    static func differenceNote(_ value: Double, from reference: Double?, same: Bool) -> String {
        guard let reference, !same else { return "" }
        let d = value - reference
        return "(" + (d < 0 ? "−" : "+") + String(format: "%.3f", Swift.abs(d)) + ")"
    }

    static func html(_ inputs: ReportInputs, _ style: ReportStyle) -> String? {
        guard inputs.variants.count > 1 else { return nil }
        let reference = inputs.isAblation ? inputs.variants.first : nil
        var figures: [String] = []
        for metric in metrics {
            var rows: [(variant: String, mean: Double, std: Double?)] = []
            for v in inputs.variants {
                let values = inputs.runs(v).compactMap { $0.record.test[metric.name] ?? nil }
                let (m, s) = ResultTables.meanAndStd(values)
                if let m { rows.append((v, m, s)) }
            }
            guard rows.count > 1 else { continue }
            rows.sort { $0.mean > $1.mean }
            // The axis ends at the next nice tick above the longest whisker (at most 1), so small differences show.
            let reach = rows.map { $0.mean + ($0.std ?? 0) }.max() ?? 1
            let upper = min(1, NiceTicks.expand(metric.lower, max(reach, metric.lower + 0.05), count: 6).1)
            let highlight = Palette.okabeIto[5], others = Palette.okabeIto[0]
            var chart = BarChart(categories: rows.map(\.variant),
                                 groups: [BarChart.Group(reference == nil ? "" : "ablated", color: others, values: rows.map(\.mean), errors: rows.map(\.std),
                                                         barColors: rows.map { $0.variant == reference ? highlight : others },
                                                         notes: rows.map { row in differenceNote(row.mean, from: rows.first { $0.variant == reference }?.mean, same: row.variant == reference) })],
                                 orientation: .horizontal, valueAxis: Axis(metric.axis, domain: (metric.lower, upper)),
                                 title: PaperTable.heading(metric.name), width: 620)
            chart.showValues = true
            chart.barThickness = 18
            chart.showLegend = false
            figures.append(ReportPage.figure(chart.svg()))
        }
        guard !figures.isEmpty else { return nil }
        let intro = reference.map { "Modality ablation: every modality set, sorted best first; the full model (\($0)) in vermillion, each other set's difference from it in brackets. " } ?? "Variants sorted best first. "
        return ReportPage.note(intro + "Bars are means over seeds, whiskers ± one standard deviation; the numbers are written beside each bar.")
            + ReportPage.row(figures)
    }
}
