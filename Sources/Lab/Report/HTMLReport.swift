import Foundation
import Support

/// `report.html` for a study folder (every variant and seed) or a single run folder: curves,
/// bars, distributions, attribution, examples and provenance on one self-contained page.
public enum HTMLReport {
    public static let fileName = "report.html"

    public struct Written: Sendable {
        public var path: String
        public var bytes: Int
        public var runs: Int
        /// Unfinished run folders left out, with why.
        public var skipped: [(folder: String, why: String)]
    }

    /// The page's HTML for the results in `directory`.
    public static func render(_ directory: String) throws -> (html: String, runs: Int, skipped: [(folder: String, why: String)]) {
        let inputs = try ReportInputs.read(directory)
        let style = ReportStyle(variants: inputs.variants)
        var subtitle = inputs.isSingleRun ? "One run" : "\(inputs.variants.count) variant(s), \(inputs.allRuns.count) run(s)"
        if let d = inputs.description { subtitle += " — " + d }
        var page = ReportPage(title: inputs.title, subtitle: subtitle)
        page.add("summary", "Test metrics", summary(inputs))
        page.add("curves", "ROC and precision–recall", CurvesSection.html(inputs, style))
        page.add("variants", inputs.isAblation ? "Modality ablation" : "Variants compared", VariantBarsSection.html(inputs, style))
        page.add("masked", "Modalities masked at test time", MaskedAblationSection.html(inputs))
        page.add("types", "Anomaly types", AnomalyTypeSection.html(inputs, style))
        page.add("labels", "Label efficiency", LabelEfficiencySection.html(inputs))
        page.add("confusion", "Confusion at the threshold", ConfusionSection.html(inputs))
        page.add("attribution", "Attribution by modality", AttributionSection.html(inputs))
        page.add("training", "Training curves", TrainingSection.html(inputs, style))
        page.add("examples", "Examples in words", ExamplesSection.html(inputs))
        page.add("config", "What differs between variants", ConfigDiffSection.html(inputs))
        page.add("provenance", "Provenance", ProvenanceSection.html(inputs))
        return (page.html, inputs.allRuns.count, inputs.skipped)
    }

    /// Writes `report.html` into `directory` (atomically) and says where and how big.
    @discardableResult
    public static func write(_ directory: String) throws -> Written {
        let (html, runs, skipped) = try render(directory)
        let path = (directory as NSString).appendingPathComponent(fileName)
        try DurableFile.write(html, to: path)
        return Written(path: path, bytes: html.utf8.count, runs: runs, skipped: skipped)
    }

    static func summary(_ inputs: ReportInputs) -> String {
        let table = ResultTables.aggregate(inputs.records, metrics: ResultTables.defaultMetrics, order: inputs.variants)
        let note = inputs.variants.count > 1 ? "The best mean per column in bold. " : ""
        let over = inputs.hasSeeds ? "Mean ± sample standard deviation over seeds on the test split" : "On the test split"
        return ReportPage.note(note + over + "; F1, precision and recall at the threshold chosen on validation. Recall per anomaly type is under Anomaly types.")
            + PaperTable(aggregate: table).html
    }
}
