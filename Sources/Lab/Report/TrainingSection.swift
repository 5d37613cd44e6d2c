import Foundation
import Support
import Plot

/// Training curves from each run's history.csv: train and validation loss, and the metric
/// early stopping watched, per epoch; the best epoch (the one kept) marked on each seed's line.
enum TrainingSection {
    static func html(_ inputs: ReportInputs, _ style: ReportStyle) -> String? {
        var figures: [String] = []
        for variant in inputs.variants {
            let runs = inputs.runs(variant).filter { !$0.history.isEmpty }
            guard !runs.isEmpty else { continue }
            let metric = runs[0].earlyStoppingMetric
            var loss = Chart(width: 316, height: 270, title: "loss", x: Axis("epoch"), y: Axis("loss (binary cross-entropy)"))
            var watched = Chart(width: 316, height: 270, title: "validation \(PaperTable.heading(metric))", x: Axis("epoch"),
                                y: Axis("validation \(PaperTable.heading(metric))"))
            loss.legendPlacement = .below; watched.legendPlacement = .below
            for (k, run) in runs.enumerated() {
                let color = runs.count == 1 ? style.color(variant) : Palette.series(k)
                let epochs = run.history.map { Double($0.epoch) }
                func series(_ f: (EpochRow) -> Double?) -> ([Double], [Double]) {
                    let pairs = zip(epochs, run.history.map(f)).compactMap { e, v in v.map { (e, $0) } }
                    return (pairs.map(\.0), pairs.map(\.1))
                }
                let train = series(\.trainLoss), valid = series(\.validLoss)
                loss.line(train.0, train.1, color: color)
                loss.line(valid.0, valid.1, color: color, dash: "5 3")
                let watchedSeries = metric == "loss" ? valid : series { $0.valid[metric] }
                watched.line(watchedSeries.0, watchedSeries.1, color: color)
                if let best = run.bestEpoch, let i = run.history.firstIndex(where: { $0.epoch == best }) {
                    let tip = "\(run.label): best epoch \(best) of \(run.history.count)"
                    if let v = run.history[i].validLoss { loss.points([Double(best)], [v], color: color, radius: 4.5, titles: [tip]) }
                    if let v = metric == "loss" ? run.history[i].validLoss : run.history[i].valid[metric] {
                        watched.points([Double(best)], [v], color: color, radius: 4.5, titles: [tip])
                    }
                }
            }
            let seeds = runs.count == 1 ? [LegendEntry(runs[0].label, color: style.color(variant), symbol: .swatch)]
                : runs.enumerated().map { LegendEntry($1.label, color: Palette.series($0), symbol: .swatch) }
            loss.legend = [LegendEntry("train", color: "#444444", symbol: .line(dash: "")), LegendEntry("validation", color: "#444444", symbol: .line(dash: "5 3"))] + seeds
            watched.legend = seeds + [LegendEntry("best epoch", color: "#444444", symbol: .point)]
            figures.append(ReportPage.figure("<div class=\"figure-title\">\(ReportPage.escape(variant))</div><div class=\"pair\">" + loss.svg() + watched.svg() + "</div>"))
        }
        guard !figures.isEmpty else { return ReportPage.note("No run here recorded a per-epoch history (history.csv); classical models train without epochs.") }
        let metric = inputs.allRuns.first { !$0.history.isEmpty }?.earlyStoppingMetric ?? "average_precision"
        let without = inputs.variants.filter { v in inputs.runs(v).allSatisfy(\.history.isEmpty) }
        return ReportPage.note("Per epoch, from each run's history.csv. Solid: training loss; dashed: validation loss. "
                               + "Dots mark the best epoch by validation \(PaperTable.heading(metric)) — the weights the run kept."
                               + (without.isEmpty ? "" : " No per-epoch history (classical models train without epochs): \(without.joined(separator: ", "))."))
            + ReportPage.row(figures)
    }
}
