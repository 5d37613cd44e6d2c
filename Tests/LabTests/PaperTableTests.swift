import Foundation
import Testing
import Support
@testable import Lab

/// `fusionlab table --format latex|markdown`: mean ± std, the best mean per column in bold.
@Suite struct PaperTableTests {
    func record(_ variant: String, _ seed: Int, _ metrics: [String: Double]) -> RunRecord {
        RunRecord(directory: "", variant: variant, seed: seed, fold: nil, test: metrics.mapValues { .some($0) })
    }

    var records: [RunRecord] {
        [record("full_model", 0, ["roc_auc": 0.90, "average_precision": 0.50, "recall_click_farming": 0.2]),
         record("full_model", 1, ["roc_auc": 0.92, "average_precision": 0.40, "recall_click_farming": 0.4]),
         record("no_image", 0, ["roc_auc": 0.80, "average_precision": 0.70, "recall_click_farming": 0.3]),
         record("no_image", 1, ["roc_auc": 0.82, "average_precision": 0.70, "recall_click_farming": 0.3])]
    }

    func table(_ metrics: [String]) -> PaperTable { PaperTable(aggregate: ResultTables.aggregate(records, metrics: metrics, order: ["full_model", "no_image"])) }

    @Test func theBestMeanOfEachColumnIsBold() {
        let t = table(["roc_auc", "average_precision", "recall_click_farming"])
        #expect(t.rows.map { $0.cells.map(\.isBest) } == [[true, false, true], [false, true, true]], "0.300 ties 0.300: both bold")
        let md = t.markdown
        #expect(md.contains("| full_model | 2 | **0.910 ± 0.014** | 0.450 ± 0.071 | **0.300 ± 0.141** |"), "\(md)")
        #expect(md.contains("| no_image | 2 | 0.810 ± 0.014 | **0.700 ± 0.000** | **0.300 ± 0.000** |"), "\(md)")
        #expect(md.hasPrefix("| variant | runs | ROC AUC | AP | recall (click_farming) |"))
    }

    @Test func latexIsEscapedBalancedAndBoldsTheRightCells() {
        let latex = table(["roc_auc", "average_precision", "recall_click_farming"]).latex
        let lines = latex.split(separator: "\n").map(String.init)
        // Braces balance on every line, so the table compiles as far as structure goes.
        for line in lines {
            var depth = 0
            for c in line.replacingOccurrences(of: "\\{", with: "").replacingOccurrences(of: "\\}", with: "") {
                if c == "{" { depth += 1 } else if c == "}" { depth -= 1 }
                #expect(depth >= 0, "\(line)")
            }
            #expect(depth == 0, "\(line)")
        }
        // No bare underscore outside math: every _ in text is escaped.
        for line in lines where !line.hasPrefix("%") {
            let text = line.split(separator: "$").enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined()
            #expect(!text.replacingOccurrences(of: "\\_", with: "").contains("_"), "\(line)")
        }
        #expect(lines.contains("Variant & Runs & ROC AUC & AP & recall (click\\_farming) \\\\"), "\(latex)")
        #expect(lines.contains("full\\_model & 2 & $\\mathbf{0.910 \\pm 0.014}$ & $0.450 \\pm 0.071$ & $\\mathbf{0.300 \\pm 0.141}$ \\\\"), "\(latex)")
        #expect(lines.contains("no\\_image & 2 & $0.810 \\pm 0.014$ & $\\mathbf{0.700 \\pm 0.000}$ & $\\mathbf{0.300 \\pm 0.000}$ \\\\"), "\(latex)")
        #expect(lines[1] == "\\begin{tabular}{lrrrr}" && lines.contains("\\toprule") && lines.last == "\\end{tabular}")
        #expect(latex.components(separatedBy: "\\mathbf{").count - 1 == 4)
    }

    @Test func aLowerIsBetterMetricBoldsTheSmallest() {
        let t = PaperTable(aggregate: ResultTables.aggregate(records, metrics: ["roc_auc"], order: ["full_model", "no_image"]),
                           higherIsBetter: { _ in false })
        #expect(t.rows.map { $0.cells[0].isBest } == [false, true])
        #expect(PaperTable.higherIsBetter("recall_brushing") && PaperTable.higherIsBetter("roc_auc") && PaperTable.higherIsBetter("precision_at_10"))
    }

    @Test func specialCharactersAreEscapedForLatex() {
        #expect(PaperTable.latexEscaped("a_b & 5% #1 {x} $y ~ ^ \\") == "a\\_b \\& 5\\% \\#1 \\{x\\} \\$y \\textasciitilde{} \\textasciicircum{} \\textbackslash{}")
    }

    @Test func columnPatternsExpandInOrder() {
        let available = ResultTables.availableMetrics(records)
        #expect(available == ["roc_auc", "average_precision", "recall_click_farming"])
        let picked = PaperTable.select(["average_precision", "recall_*", "roc_auc", "nosuch"], from: available)
        #expect(picked.metrics == ["average_precision", "recall_click_farming", "roc_auc"] && picked.unmatched == ["nosuch"])
    }
}
