import Foundation
import Support
import Plot

/// The confusion matrix on test at the validation-chosen threshold, per variant: mean counts
/// over seeds, coloured by the share of the actual class.
enum ConfusionSection {
    static func matrix(_ runs: [RunArtifacts], title: String) -> String? {
        let cells = runs.compactMap { run -> [Double]? in
            guard let c = run.metrics["test"]?["confusion"], let tn = c["tn"]?.doubleValue, let fp = c["fp"]?.doubleValue,
                  let fn = c["fn"]?.doubleValue, let tp = c["tp"]?.doubleValue else { return nil }
            return [tn, fp, fn, tp]
        }
        guard !cells.isEmpty else { return nil }
        let mean = (0..<4).map { k in cells.map { $0[k] }.reduce(0, +) / Double(cells.count) }
        let negatives = mean[0] + mean[1], positives = mean[2] + mean[3]
        let rates = [[mean[0] / max(1, negatives), mean[1] / max(1, negatives)], [mean[2] / max(1, positives), mean[3] / max(1, positives)]]
        let decimals = cells.count > 1 ? 1 : 0
        func text(_ k: Int, _ rate: Double) -> String { String(format: "%.\(decimals)f", mean[k]) + String(format: " (%.0f%%)", rate * 100) }
        var map = Heatmap(rows: ["actual normal", "actual anomaly"], columns: ["pred. normal", "pred. anomaly"], values: rates,
                          colorMap: .sequential(lower: 0, upper: 1), title: title, legendLabel: "share of row")
        map.cellText = [[text(0, rates[0][0]), text(1, rates[0][1])], [text(2, rates[1][0]), text(3, rates[1][1])]]
        map.cellWidth = 96; map.cellHeight = 40
        return ReportPage.figure(map.svg())
    }

    static func html(_ inputs: ReportInputs) -> String? {
        let figures = inputs.variants.compactMap { v in matrix(inputs.runs(v), title: v) }
        guard !figures.isEmpty else { return nil }
        return ReportPage.note("Test samples at the threshold chosen on validation" + (inputs.hasSeeds ? "; mean counts over seeds" : "")
                               + ", with the share of the actual class in brackets.") + ReportPage.row(figures)
    }
}
