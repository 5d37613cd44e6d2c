import Foundation
import Support
import Plot

/// ROC (linear and log false-positive rate) and precision–recall curves on test, mean over
/// runs with a ± std band, each variant's validation-chosen operating point marked.
enum CurvesSection {
    static func html(_ inputs: ReportInputs, _ style: ReportStyle) -> String {
        var roc = Chart(width: 408, height: 540, title: "ROC on test", x: Axis("false-positive rate", domain: (0, 1)), y: Axis("recall (true-positive rate)", domain: (0, 1)))
        var rocLog = Chart(width: 408, height: 540, title: "ROC on test, low false-positive rates",
                           x: Axis("false-positive rate (log scale)", kind: .log, domain: (0.001, 1)), y: Axis("recall (true-positive rate)", domain: (0, 1)))
        var pr = Chart(width: 408, height: 540, title: "Precision–recall on test", x: Axis("recall", domain: (0, 1)), y: Axis("precision", domain: (0, 1)))
        roc.line([0, 1], [0, 1], color: Palette.neutral, width: 1, dash: "3 3")
        roc.legendPlacement = .below; rocLog.legendPlacement = .below; pr.legendPlacement = .below
        rocLog.line(AveragedCurves.fprGrid.filter { $0 >= 0.001 }, AveragedCurves.fprGrid.filter { $0 >= 0.001 }, color: Palette.neutral, width: 1, dash: "3 3")
        rocLog.verticalRule(at: 0.01, color: "#555555", dash: "4 3", label: "1% FPR")
        var prevalence: [Double] = []
        var rocLegend: [LegendEntry] = [], prLegend: [LegendEntry] = [], logLegend: [LegendEntry] = []
        let bands = inputs.hasSeeds
        for variant in inputs.variants {
            let runs = inputs.runs(variant).filter { !$0.test.scores.isEmpty }
            guard !runs.isEmpty else { continue }
            let color = style.color(variant), dash = style.dash(variant)
            let (r, p) = AveragedCurves.curves(runs)
            if bands && runs.count > 1 {
                roc.band(r.xs, lower: r.lower, upper: r.upper, color: color, opacity: 0.12)
                rocLog.band(r.xs, lower: r.lower, upper: r.upper, color: color, opacity: 0.12)
                pr.band(p.xs, lower: p.lower, upper: p.upper, color: color, opacity: 0.12)
            }
            roc.line(r.xs, r.mean, color: color, dash: dash)
            rocLog.line(r.xs, r.mean, color: color, dash: dash)
            pr.line(p.xs, p.mean, color: color, dash: dash)
            let points = runs.compactMap(AveragedCurves.operatingPoint)
            if let fpr = ReportStyle.mean(points.map(\.falsePositiveRate)), let recall = ReportStyle.mean(points.map(\.recall)),
               let precision = ReportStyle.mean(points.map(\.precision)) {
                let tip = "\(variant) at the validation-chosen threshold: FPR \(ReportStyle.meanStd(points.map(\.falsePositiveRate))), recall \(ReportStyle.meanStd(points.map(\.recall))), precision \(ReportStyle.meanStd(points.map(\.precision)))"
                let eRecall = ReportStyle.std(points.map(\.recall)).map { [$0] }
                roc.points([fpr], [recall], color: color, radius: 5, errorX: ReportStyle.std(points.map(\.falsePositiveRate)).map { [$0] }, errorY: eRecall, titles: [tip])
                rocLog.points([max(fpr, 0.001)], [recall], color: color, radius: 5, errorY: eRecall, titles: [tip])
                pr.points([recall], [precision], color: color, radius: 5, errorX: eRecall, errorY: ReportStyle.std(points.map(\.precision)).map { [$0] }, titles: [tip])
            }
            let records = runs.map(\.record)
            func values(_ m: String) -> [Double] { records.compactMap { $0.test[m] ?? nil } }
            let short = Typography.truncate(variant, toWidth: 190, size: 11)
            rocLegend.append(LegendEntry("\(short)  AUC \(ReportStyle.format(ReportStyle.mean(values("roc_auc"))))", color: color, symbol: .line(dash: dash)))
            logLegend.append(LegendEntry("\(short)  R@1% \(ReportStyle.format(ReportStyle.mean(values("recall_at_1pct_fpr"))))", color: color, symbol: .line(dash: dash)))
            prLegend.append(LegendEntry("\(short)  AP \(ReportStyle.format(ReportStyle.mean(values("average_precision"))))", color: color, symbol: .line(dash: dash)))
            prevalence += runs.map { Double($0.test.labels.filter { $0 }.count) / Double(max(1, $0.test.labels.count)) }
        }
        if let base = ReportStyle.mean(prevalence) {
            pr.line([0, 1], [base, base], color: Palette.neutral, width: 1, dash: "3 3")
            // Below the line at the right, where no curve can be (precision never drops below prevalence at full recall).
            pr.text("chance (prevalence \(ReportStyle.format(base, 2)))", x: 0.98, y: max(0.01, base - 0.045), color: "#666666", anchor: .end)
        }
        roc.legend = rocLegend; rocLog.legend = logLegend; pr.legend = prLegend
        let seeds = inputs.hasSeeds ? "Lines are the mean over seeds at fixed points, shaded bands ± one standard deviation. " : ""
        let dots = inputs.hasSeeds ? "Dots: each variant's operating point at the threshold chosen on validation (error bars: std over seeds). "
            : "Dots: the operating point at the threshold chosen on validation. "
        return ReportPage.note(seeds + dots + "Legends give the test ROC AUC, recall at 1% false-positive rate (R@1%) and average precision (AP)"
                               + (inputs.hasSeeds ? ", means over seeds." : "."))
            + ReportPage.row([ReportPage.figure(roc.svg()), ReportPage.figure(rocLog.svg()), ReportPage.figure(pr.svg())])
    }
}
