import Foundation
import Support
import Plot

/// Label efficiency: for studies whose variants differ in how many training labels they read
/// (`training.objective` self_supervised = 0, semi_supervised = `training.label_fraction`),
/// test average precision against the label fraction — over all samples and per anomaly type
/// (that type's samples against the normal ones), mean over seeds. The fractions are spaced
/// evenly (0 has no place on a log axis), labelled by value; a fraction drawn by class alone
/// (`training.label_strata` class) is a point of its own beside the one drawn per anomaly type.
enum LabelEfficiencySection {
    /// The share of training labels a run read, or nil when its objective is supervised.
    static func labelFraction(_ run: RunArtifacts) -> Double? {
        switch run.config?.at("training.objective")?.stringValue {
        case "self_supervised": 0
        case "semi_supervised": run.config?.at("training.label_fraction")?.doubleValue ?? 1
        default: nil
        }
    }

    /// Whether a semi-supervised run drew its labelled fraction by class alone, leaving which
    /// anomaly types it labels to the draw — any draw but anomaly_type's, so also a run saved
    /// before anomaly_type was the default (without the key, or with class's old name, "label").
    static func drawnByClass(_ run: RunArtifacts) -> Bool {
        labelFraction(run).map { $0 > 0 && $0 < 1 } == true
            && run.config?.at("training.label_strata")?.stringValue != TrainingOptions.LabelStrata.anomalyType.rawValue
    }

    /// A point's column heading: the share, and "by class" when drawn so.
    static func caption(fraction: Double, byClass: Bool) -> String {
        "\(ReportStyle.format(100 * fraction, 0))%" + (byClass ? " by class" : "")
    }

    /// Test AP of `type`'s samples (or every anomaly, for "all") against the normal samples.
    static func averagePrecision(_ split: ScoredSplit, type: String) -> Double? {
        let kept = split.types.indices.filter { type == "all" || split.types[$0] == type || !split.labels[$0] }
        guard kept.contains(where: { split.labels[$0] }) else { return nil }
        return RankingCurve(scores: kept.map { split.scores[$0] }, labels: kept.map { split.labels[$0] }).averagePrecision
    }

    static func html(_ inputs: ReportInputs) -> String? {
        var points: [(fraction: Double, byClass: Bool, runs: [RunArtifacts])] = []
        for v in inputs.variants {
            let runs = inputs.runs(v)
            guard let first = runs.first, let f = labelFraction(first) else { continue }
            let byClass = drawnByClass(first)
            if let k = points.firstIndex(where: { $0.fraction == f && $0.byClass == byClass }) { points[k].runs += runs } else { points.append((f, byClass, runs)) }
        }
        guard points.count >= 2 else { return nil }
        points.sort { ($0.fraction, $0.byClass ? 1 : 0) < ($1.fraction, $1.byClass ? 1 : 0) }
        let types = ["all"] + AnomalyTypeSection.types(inputs)
        // One position per share; a share drawn by class alone sits at its share's position, on a dashed line.
        let fractions = Array(Set(points.map(\.fraction))).sorted()
        let position = points.map { p in Double(fractions.firstIndex(of: p.fraction)!) }
        var chart = Chart(width: 860, height: 420, title: "Test average precision against the share of training labels",
                          x: Axis("training labels read (position; the share is written above the axis)", domain: (-0.3, Double(fractions.count) - 0.7)),
                          y: Axis("test average precision (type vs normal samples)", domain: (0, 1)))
        var rows: [[String]] = []
        for (k, type) in types.enumerated() {
            let means = points.map { p in ReportStyle.mean(p.runs.compactMap { averagePrecision($0.test, type: type) }) }
            guard means.contains(where: { $0 != nil }) else { continue }
            let color = type == "all" ? "#000000" : Palette.series(k - 1)
            for byClass in [false, true] {
                let kept = means.indices.filter { means[$0] != nil && points[$0].byClass == byClass }
                guard !kept.isEmpty else { continue }
                let xs = kept.map { position[$0] }, ys = kept.map { means[$0]! }
                chart.line(xs, ys, color: color, width: type == "all" ? 3 : 1.5, dash: byClass ? "6 4" : "")
                chart.points(xs, ys, color: color, radius: 3, titles: kept.map { "\(type), \(caption(fraction: points[$0].fraction, byClass: byClass)): AP \(ReportStyle.format(means[$0]!, 3))" })
            }
            chart.legend.append(LegendEntry(type == "all" ? "all anomalies" : type, color: color, symbol: .line(dash: "")))
            rows.append([type] + means.map { $0.map { ReportStyle.format($0, 3) } ?? "" })
        }
        if points.contains(where: \.byClass) {
            chart.legend.append(LegendEntry("dashed: drawn by class alone", color: "#000000", symbol: .line(dash: "6 4")))
        }
        for (k, f) in fractions.enumerated() {
            chart.text(f == 0 ? "none (self-supervised)" : caption(fraction: f, byClass: false) + " labelled", x: Double(k), y: 0.02, anchor: .middle)
        }
        let header = "<tr><th>anomaly type</th>" + points.map { "<th>\(caption(fraction: $0.fraction, byClass: $0.byClass))</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { "<td>\(ReportPage.escape($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return ReportPage.note("Runs grouped by the share of training labels they read: self-supervised runs none, semi-supervised ones their label_fraction "
                               + "(stratified by class and anomaly type; \"by class\": by class alone, training.label_strata class). "
                               + "Each line: test average precision of one anomaly type's samples against the normal samples (black: all anomalies), mean over seeds; "
                               + "the fractions are evenly spaced, labelled at the bottom.")
            + ReportPage.figure(chart.svg()) + "<table>\n\(header)\n\(body)\n</table>\n"
    }
}
