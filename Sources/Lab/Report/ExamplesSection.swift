import Foundation
import Support

/// The samples behind the numbers, from one run per variant (its first seed): the highest-
/// scored test anomalies and the worst false positives, with the consistency checks they
/// failed in words (explanations.csv).
enum ExamplesSection {
    static let count = 8

    static func rows(_ run: RunArtifacts, anomalies: Bool) -> [[String]] {
        let threshold = run.threshold ?? .infinity
        if let explained = run.explanations {
            let chosen = explained.filter { anomalies ? $0.label : (!$0.label && $0.score >= threshold) }.sorted { $0.score > $1.score }.prefix(count)
            return chosen.map { [$0.id, $0.type, String(format: "%.4f", $0.score), $0.failedChecks.isEmpty ? "none failed" : $0.failedChecks, $0.explanation] }
        }
        let test = run.test
        let chosen = test.scores.indices.filter { anomalies ? test.labels[$0] : (!test.labels[$0] && test.scores[$0] >= threshold) }
            .sorted { test.scores[$0] > test.scores[$1] }.prefix(count)
        return chosen.map { [test.ids[$0], test.types[$0], String(format: "%.4f", test.scores[$0])] }
    }

    static func html(_ inputs: ReportInputs) -> String? {
        var folds = ""
        // Open the first variant that has checks to explain (else the first).
        let opened = inputs.variants.first { inputs.runs($0).first?.explanations != nil } ?? inputs.variants.first
        for variant in inputs.variants {
            guard let run = inputs.runs(variant).first, !run.test.scores.isEmpty else { continue }
            let header = ["sample", "anomaly type", "score"]
                + (run.explanations == nil ? [] : ["failed checks (percentile among normal training samples)", "in words"])
            let top = rows(run, anomalies: true), fps = rows(run, anomalies: false)
            let threshold = run.threshold.map { String(format: "%.4f", $0) } ?? "n/a"
            var body = run.explanations == nil ? ReportPage.note("This variant has no consistency checks, so there is nothing to explain in words.") : ""
            body += "<h3>Highest-scored test anomalies (\(ReportPage.escape(run.label)))</h3>\n" + ReportPage.table(header, top, numeric: [2])
            body += "<h3>Worst false positives: normal test samples above the threshold \(threshold)</h3>\n"
                + (fps.isEmpty ? ReportPage.note("None: no normal test sample scored above the threshold.") : ReportPage.table(header, fps, numeric: [2]))
            folds += inputs.variants.count == 1 ? body : ReportPage.fold(variant, open: variant == opened, body)
        }
        guard !folds.isEmpty else { return nil }
        return ReportPage.note("From each variant's first run. A failed check names the cross-modal consistency check and how unusual the sample's surprise is "
                               + "among normal training samples; the words say what did not fit.") + folds
    }
}
