import Foundation
import Support
import Plot

/// What each anomaly type gets: recall at the threshold per variant (bars, ± std over seeds),
/// and how its test scores sit against the normals' and the threshold (histograms).
enum AnomalyTypeSection {
    static func types(_ inputs: ReportInputs) -> [String] {
        Array(Set(inputs.allRuns.flatMap(\.test.types))).filter { $0 != "normal" && !$0.isEmpty }.sorted()
    }

    static func recallBars(_ inputs: ReportInputs, _ style: ReportStyle) -> String? {
        let types = types(inputs)
        guard !types.isEmpty else { return nil }
        let groups = inputs.variants.map { v in
            let stats = types.map { t in ResultTables.meanAndStd(inputs.runs(v).compactMap { $0.record.test["recall_\(t)"] ?? nil }) }
            return BarChart.Group(v, color: style.color(v), values: stats.map(\.0), errors: stats.map(\.1))
        }
        var chart = BarChart(categories: types, groups: groups, valueAxis: Axis("test recall at the validation-chosen threshold", domain: (0, 1)),
                             title: "Recall per anomaly type", width: inputs.variants.count == 1 ? 720 : 1280, height: 440)
        chart.showLegend = inputs.variants.count > 1
        chart.showValues = inputs.variants.count == 1
        chart.valueFormat = "%.2f"
        return ReportPage.figure(chart.svg(), caption: inputs.hasSeeds ? "Bars: mean over seeds; whiskers: ± one standard deviation." : nil)
    }

    /// A ridgeline of test score distributions: the normals, then each anomaly type over the
    /// normals in grey; pooled over seeds, each row scaled to its own peak; the dashed line is
    /// the threshold (mean over seeds).
    static func distributions(_ inputs: ReportInputs, _ style: ReportStyle, variant: String) -> String? {
        let runs = inputs.runs(variant).filter { !$0.test.scores.isEmpty }
        guard !runs.isEmpty else { return nil }
        let scores = runs.flatMap(\.test.scores), types = runs.flatMap(\.test.types)
        guard let lo = scores.min(), let hi = scores.max() else { return nil }
        let (lower, upper) = lo >= 0 && hi <= 1 ? (0.0, 1.0) : NiceTicks.expand(lo, hi)
        func histogram(_ type: String) -> Histogram {
            Histogram(zip(scores, types).filter { $0.1 == type }.map(\.0), bins: 25, lower: lower, upper: upper)
        }
        let normals = histogram("normal")
        var rows = [Ridgeline.Row("normal (\(Int((normals.counts.reduce(0, +) / Double(runs.count)).rounded())))", heights: normals.fractions, color: Palette.neutral)]
        for type in Self.types(inputs) {
            let h = histogram(type)
            let n = h.counts.reduce(0, +)
            guard n > 0 else { continue }
            rows.append(Ridgeline.Row("\(type) (\(Int((n / Double(runs.count)).rounded())))", heights: h.fractions, color: Palette.okabeIto[5], reference: normals.fractions))
        }
        var chart = Ridgeline(rows: rows, edges: normals.edges, x: Axis("test score", domain: (lower, upper)), title: variant, width: 408)
        if let threshold = ReportStyle.mean(runs.compactMap(\.threshold)) { chart.rules = [(threshold, "threshold \(ReportStyle.format(threshold, 2))")] }
        return ReportPage.figure(chart.svg())
    }

    static func html(_ inputs: ReportInputs, _ style: ReportStyle) -> String? {
        var out = ""
        if let bars = recallBars(inputs, style) {
            let recalls = ResultTables.availableMetrics(inputs.records).filter { $0.hasPrefix("recall_") && $0 != "recall_at_1pct_fpr" }
            out += "<h3>Recall per anomaly type</h3>\n" + bars
                + PaperTable(aggregate: ResultTables.aggregate(inputs.records, metrics: recalls, order: inputs.variants)).html
        }
        let figures = inputs.variants.compactMap { distributions(inputs, style, variant: $0) }
        if !figures.isEmpty {
            out += "<h3>Score distributions per anomaly type</h3>\n"
                + ReportPage.note((inputs.hasSeeds ? "Test scores, pooled over seeds (samples per run in brackets). " : "Test scores (samples in brackets). ")
                                  + "Grey: the normal samples; vermillion: the anomaly type, over the normals' shape. Each row is scaled to its own peak. "
                                  + "Dashed: the threshold chosen on validation" + (inputs.hasSeeds ? " (mean over seeds)" : "") + "; what lies right of it is flagged.")
                + ReportPage.row(figures)
        }
        return out.isEmpty ? nil : out
    }
}
