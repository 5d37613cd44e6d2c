import Foundation
import Support
import Plot

/// The masked-modality ablation (ablation-masked.csv, `ablation.masked`): one trained full
/// model per seed scored with each modality masked, as sorted bars beside the full model.
enum MaskedAblationSection {
    static func html(_ inputs: ReportInputs) -> String? {
        let path = (inputs.directory as NSString).appendingPathComponent("ablation-masked.csv")
        guard let table = try? CSVRows.read(path), let variant = table.column("variant") else { return nil }
        var figures: [String] = []
        for metric in VariantBarsSection.metrics {
            guard let m = table.column(metric.name + "_mean") else { continue }
            let s = table.column(metric.name + "_std")
            var rows = table.rows.compactMap { row -> (name: String, mean: Double, std: Double?)? in
                Double(row[m]).map { (row[variant], $0, s.flatMap { Double(row[$0]) }) }
            }
            guard rows.count > 1 else { continue }
            rows.sort { $0.mean > $1.mean }
            let reach = rows.map { $0.mean + ($0.std ?? 0) }.max() ?? 1
            let upper = min(1, NiceTicks.expand(metric.lower, max(reach, metric.lower + 0.05), count: 6).1)
            var chart = BarChart(categories: rows.map(\.name),
                                 groups: [BarChart.Group("", color: Palette.okabeIto[0], values: rows.map(\.mean), errors: rows.map(\.std),
                                                         barColors: rows.map { $0.name == "full" ? Palette.okabeIto[5] : Palette.okabeIto[0] })],
                                 orientation: .horizontal, valueAxis: Axis(metric.axis, domain: (metric.lower, upper)),
                                 title: PaperTable.heading(metric.name), width: 620)
            chart.showValues = true
            chart.barThickness = 18
            figures.append(ReportPage.figure(chart.svg()))
        }
        guard !figures.isEmpty else { return nil }
        return ReportPage.note("The full model trained once per seed and scored on test with one modality masked (ablation-masked.csv); "
                               + "the full model unmasked in vermillion. Means over seeds, whiskers ± one standard deviation.")
            + ReportPage.row(figures)
    }
}
