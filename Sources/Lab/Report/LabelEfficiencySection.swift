import Foundation
import Support
import Plot

/// Label efficiency: for studies whose variants differ in how many training labels they read
/// (`training.objective` self_supervised = 0, semi_supervised = `training.label_fraction`),
/// test average precision against the label fraction — over all samples and per anomaly type
/// (that type's samples against the normal ones), mean over seeds. The fractions are spaced
/// evenly (0 has no place on a log axis), labelled by value.
enum LabelEfficiencySection {
    /// The share of training labels a run read, or nil when its objective is supervised.
    static func labelFraction(_ run: RunArtifacts) -> Double? {
        switch run.config?.at("training.objective")?.stringValue {
        case "self_supervised": 0
        case "semi_supervised": run.config?.at("training.label_fraction")?.doubleValue ?? 1
        default: nil
        }
    }

    /// Test AP of `type`'s samples (or every anomaly, for "all") against the normal samples.
    static func averagePrecision(_ split: ScoredSplit, type: String) -> Double? {
        let kept = split.types.indices.filter { type == "all" || split.types[$0] == type || !split.labels[$0] }
        guard kept.contains(where: { split.labels[$0] }) else { return nil }
        return RankingCurve(scores: kept.map { split.scores[$0] }, labels: kept.map { split.labels[$0] }).averagePrecision
    }

    static func html(_ inputs: ReportInputs) -> String? {
        var points: [(fraction: Double, runs: [RunArtifacts])] = []
        for v in inputs.variants {
            let runs = inputs.runs(v)
            guard let f = runs.first.flatMap(labelFraction) else { continue }
            if let k = points.firstIndex(where: { $0.fraction == f }) { points[k].runs += runs } else { points.append((f, runs)) }
        }
        guard points.count >= 2 else { return nil }
        points.sort { $0.fraction < $1.fraction }
        let types = ["all"] + AnomalyTypeSection.types(inputs)
        var chart = Chart(width: 860, height: 420, title: "Test average precision against the share of training labels",
                          x: Axis("training labels read (position; the share is written above the axis)", domain: (-0.3, Double(points.count) - 0.7)),
                          y: Axis("test average precision (type vs normal samples)", domain: (0, 1)))
        var rows: [[String]] = []
        for (k, type) in types.enumerated() {
            let means = points.map { p in ReportStyle.mean(p.runs.compactMap { averagePrecision($0.test, type: type) }) }
            let xs = means.indices.filter { means[$0] != nil }.map(Double.init), ys = means.compactMap { $0 }
            guard !ys.isEmpty else { continue }
            let color = type == "all" ? "#000000" : Palette.series(k - 1)
            chart.line(xs, ys, color: color, width: type == "all" ? 3 : 1.5)
            chart.points(xs, ys, color: color, radius: 3, titles: ys.map { "\(type): AP \(ReportStyle.format($0, 3))" })
            chart.legend.append(LegendEntry(type == "all" ? "all anomalies" : type, color: color, symbol: .line(dash: "")))
            rows.append([type] + means.map { $0.map { ReportStyle.format($0, 3) } ?? "" })
        }
        for (k, p) in points.enumerated() {
            chart.text(p.fraction == 0 ? "none (self-supervised)" : "\(ReportStyle.format(100 * p.fraction, 0))% labelled", x: Double(k), y: 0.02, anchor: .middle)
        }
        let header = "<tr><th>anomaly type</th>" + points.map { "<th>\(ReportStyle.format(100 * $0.fraction, 0))%</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { "<td>\(ReportPage.escape($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return ReportPage.note("Runs grouped by the share of training labels they read: self-supervised runs none, semi-supervised ones their label_fraction. "
                               + "Each line: test average precision of one anomaly type's samples against the normal samples (black: all anomalies), mean over seeds; "
                               + "the fractions are evenly spaced, labelled at the bottom.")
            + ReportPage.figure(chart.svg()) + "<table>\n\(header)\n\(body)\n</table>\n"
    }
}
