import Foundation
import Testing
import Support
@testable import Lab
#if canImport(FoundationXML)
import FoundationXML
#endif

/// report.html from run folders written here by hand: what it shows, that it is one
/// self-contained page of well-formed SVG, and the numbers behind its curves.
@Suite struct HTMLReportTests {
    /// A complete run folder with `count` test and validation samples; anomalies score higher by `separation`.
    func writeRun(_ study: String, variant: String, seed: Int, separation: Double, explanations: Bool) throws -> String {
        let dir = "\(study)/runs/\(variant)/seed-\(seed)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var predictions = "sample_id,split,label,anomaly_type,score,predicted\n", explained = "sample_id,split,label,anomaly_type,score,predicted,failed_checks,explanation\n"
        for split in ["valid", "test"] {
            for i in 0..<60 {
                let anomaly = i % 6 == 0, type = anomaly ? (i % 12 == 0 ? "brushing" : "bot_crawler") : "normal"
                let score = min(1, max(0, Double((i * 37 + seed * 11) % 60) / 60 * 0.6 + (anomaly ? separation : 0)))
                let predicted = score >= 0.5 ? 1 : 0
                predictions += "s\(i),\(split),\(anomaly ? 1 : 0),\(type),\(score),\(predicted)\n"
                explained += "s\(i),\(split),\(anomaly ? 1 : 0),\(type),\(score),\(predicted),\(anomaly ? "rating_vs_raters (p99.5)" : ""),\"rating 1, where \"\"5\"\" was expected\"\n"
            }
        }
        try predictions.write(toFile: dir + "/predictions.csv", atomically: true, encoding: .utf8)
        if explanations { try explained.write(toFile: dir + "/explanations.csv", atomically: true, encoding: .utf8) }
        try "epoch,train_loss,valid_loss,valid_roc_auc,valid_average_precision,valid_f1,learning_rate\n1,0.9,0.7,0.6,0.3,0.3,0.001\n2,0.6,0.5,0.7,0.4,0.35,0.001\n3,0.4,0.55,0.68,0.38,0.3,0.001\n"
            .write(toFile: dir + "/history.csv", atomically: true, encoding: .utf8)
        let metrics = """
        {"experiment": "handmade", "variant": "\(variant)", "seed": \(seed), "fold": null, "best_epoch": 2, "epochs_trained": 3, "parameters": 1234,
         "valid": {"roc_auc": 0.7, "average_precision": 0.4},
         "test": {"roc_auc": \(0.6 + separation / 4 + Double(seed) / 100), "average_precision": \(0.3 + separation / 3), "f1": 0.4, "recall_at_1pct_fpr": 0.1,
                  "threshold": 0.5, "confusion": {"tp": 5, "fp": 7, "tn": 43, "fn": 5},
                  "recall_by_type": {"bot_crawler": 0.6, "brushing": 0.4}}}
        """
        try metrics.write(toFile: dir + "/metrics.json", atomically: true, encoding: .utf8)
        try #"{"name": "handmade", "description": "A <study> & its variants", "seeds": [\#(seed)], "model": {"dimension": \#(variant == "wide" ? 32 : 16)}, "training": {"early_stopping": {"metric": "average_precision"}}}"#
            .write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        try #"{"training_seconds": 12.5, "scoring_seconds_per_sample": 0.0004, "threads": 2}"#.write(toFile: dir + "/timing.json", atomically: true, encoding: .utf8)
        try "anomaly_type,samples,method,sequence,image\nall,60,masking_share,0.7,0.3\nbrushing,5,masking_share,0.6,0.4\n"
            .write(toFile: dir + "/attribution_by_type.csv", atomically: true, encoding: .utf8)
        try #"{"format": 1, "files": []}"#.write(toFile: dir + "/complete.json", atomically: true, encoding: .utf8)
        return dir
    }

    func study() throws -> String {
        let dir = scratchDirectory() + "/handmade"
        for seed in 0..<2 {
            _ = try writeRun(dir, variant: "narrow", seed: seed, separation: 0.2, explanations: false)
            _ = try writeRun(dir, variant: "wide", seed: seed, separation: 0.5, explanations: true)
        }
        return dir
    }

    func svgs(_ html: String) -> [String] {
        var out: [String] = [], rest = html[...]
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            out.append(String(rest[start.lowerBound..<end.upperBound])); rest = rest[end.upperBound...]
        }
        return out
    }

    @Test func aStudyPageShowsEverySectionInWellFormedSVGWithoutTheNetwork() throws {
        let dir = try study()
        let written = try HTMLReport.write(dir)
        #expect(written.path == dir + "/report.html" && written.runs == 4)
        let html = try String(contentsOfFile: written.path, encoding: .utf8)
        for id in ["summary", "curves", "variants", "types", "confusion", "attribution", "training", "examples", "config", "provenance"] {
            #expect(html.contains("<section id=\"\(id)\">"), "no \(id) section")
        }
        let charts = svgs(html)
        #expect(charts.count >= 12)
        for svg in charts { #expect(XMLParser(data: Data(svg.utf8)).parse(), "\(svg.prefix(300))") }
        #expect(!html.contains("<script") && !html.contains("https://") && !html.contains("http://www.w3.org/1999"))
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "http") == nil, "a reference to the network")
        // Text from the runs is escaped; the examples say which checks failed, quotes and all.
        #expect(html.contains("A &lt;study&gt; &amp; its variants"))
        #expect(html.contains("rating_vs_raters (p99.5)") && html.contains("rating 1, where &quot;5&quot; was expected"))
        // The config diff names the key that differs and both values.
        #expect(html.contains("<td>model.dimension</td><td>16</td><td>32</td>"), "config diff")
        // The better variant is bold in the summary table.
        #expect(html.contains("<td><strong>0.730 ± 0.007</strong></td>"), "summary")
    }

    @Test func provenanceComesFromTheStudysRecordWhenThereIsOne() throws {
        let dir = try study()
        #expect(try HTMLReport.render(dir).html.contains("no provenance.json here"))
        try StudyProvenance.write(directory: dir)
        let recorded = try #require(StudyProvenance.read(directory: dir))
        #expect(recorded["compiler"]?.stringValue?.hasPrefix("Swift 6") == true && recorded["finished"] != nil && recorded["command"] != nil)
        let html = try HTMLReport.render(dir).html
        #expect(html.contains("<th>versions</th><td>Swift 6") && html.contains("<th>study finished</th>") && !html.contains("no provenance.json here"))
    }

    @Test func aMaskedAblationTableBecomesSortedBars() throws {
        let dir = try study()
        #expect(!(try HTMLReport.render(dir).html.contains("<section id=\"masked\">")))
        try "variant,runs,roc_auc_mean,roc_auc_std,average_precision_mean,average_precision_std\nfull,2,0.8,0.01,0.5,0.02\n\"full, image masked\",2,0.7,0.02,0.4,0.01\n\"full, sequence masked\",2,0.75,,0.45,\n"
            .write(toFile: dir + "/ablation-masked.csv", atomically: true, encoding: .utf8)
        let html = try HTMLReport.render(dir).html
        #expect(html.contains("<section id=\"masked\">"))
        // Sorted best first, the full model in vermillion.
        let section = String(html[html.range(of: "<section id=\"masked\">")!.lowerBound...].prefix(while: { $0 != "§" }))
        let order = ["full: 0.800 ± 0.010", "full, sequence masked: 0.750", "full, image masked: 0.700 ± 0.020"].map { section.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order[0]! < order[1]! && order[1]! < order[2]!, "\(section.prefix(2000))")
        #expect(section.contains("fill=\"#D55E00\""))
    }

    @Test func aRunFolderGetsASmallerPage() throws {
        let run = try writeRun(scratchDirectory() + "/one", variant: "wide", seed: 3, separation: 0.5, explanations: true)
        let html = try HTMLReport.render(run).html
        #expect(html.contains("handmade / wide / seed 3"))
        #expect(!html.contains("<section id=\"variants\">") && !html.contains("<section id=\"config\">"))
        for svg in svgs(html) { #expect(XMLParser(data: Data(svg.utf8)).parse()) }
    }

    @Test func aMissingOrEmptyFolderIsNamed() throws {
        let missing = scratchDirectory() + "/nothing-here"
        #expect(throws: ResultFileError.self) { try HTMLReport.write(missing) }
        do { _ = try HTMLReport.write(missing) } catch { #expect("\(error)".hasPrefix(missing + ": no such folder")) }
        let empty = scratchDirectory()
        do { _ = try HTMLReport.write(empty); Issue.record("no error") } catch {
            #expect("\(error)".contains("\(empty): no complete run folders"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: empty + "/report.html"))
    }

    @Test func averagedCurvesAtKnownPoints() {
        // Perfectly separated: recall 1 at no false positives; precision 1 at every recall.
        let perfect = RankingCurve(scores: [0.9, 0.8, 0.2, 0.1], labels: [true, true, false, false])
        #expect(AveragedCurves.roc(perfect).allSatisfy { $0 == 1 })
        #expect(AveragedCurves.precisionRecall(perfect).allSatisfy { $0 == 1 })
        // One negative above one positive: TPR 0.5 until FPR reaches 0.5, then 1.
        let mixed = RankingCurve(scores: [0.9, 0.8, 0.7, 0.1], labels: [true, false, true, false])
        let tpr = AveragedCurves.roc(mixed)
        for (f, t) in zip(AveragedCurves.fprGrid, tpr) { #expect(t == (f < 0.5 ? 0.5 : 1), "FPR \(f)") }
        // Two runs averaged: mean and a band of ± their sample std.
        let averaged = AveragedCurves.average([0, 1], [[0.5, 1], [0.7, 1]])
        #expect(Swift.abs(averaged.mean[0] - 0.6) < 1e-12 && Swift.abs(averaged.upper[0] - (0.6 + 0.2 / 2.squareRoot())) < 1e-12)
        #expect(averaged.upper[1] == 1 && averaged.lower[1] == 1)
    }

    @Test func csvFieldsMayHoldQuotesCommasAndLineBreaks() {
        let rows = CSVRows.parse("a,b\n\"x, y\",\"say \"\"hi\"\"\nthere\"\r\n1,\n")
        #expect(rows.count == 3)
        #expect(rows[1] == ["x, y", "say \"hi\"\nthere"] && rows[2] == ["1", ""])
    }
}
