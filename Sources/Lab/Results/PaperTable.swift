import Foundation
import Support

/// A results table for a paper or a README: mean ± sample std per variant and metric, the best
/// mean of each column in bold (ties at the printed precision all bold; "best" follows the
/// metric's direction in `MetricRegistry`), as LaTeX (booktabs), Markdown or HTML.
public struct PaperTable: Sendable {
    public struct Cell: Sendable {
        public var mean: Double?
        public var std: Double?
        public var isBest: Bool
    }

    public struct Row: Sendable {
        public var variant: String
        public var runs: String
        public var cells: [Cell]
    }

    public var metrics: [String]
    public var rows: [Row]
    public var decimals: Int

    /// From `ResultTables.aggregate`'s table (`variant, runs, <metric>_mean, <metric>_std, …`).
    public init(aggregate table: CSVTable, decimals: Int = 3, higherIsBetter: (String) -> Bool = PaperTable.higherIsBetter) {
        self.decimals = decimals
        var metrics: [String] = [], pairs: [(Int, Int)] = []
        for (i, h) in table.header.enumerated() where h.hasSuffix("_mean") && i + 1 < table.header.count {
            metrics.append(String(h.dropLast(5)))
            pairs.append((i, i + 1))
        }
        self.metrics = metrics
        rows = table.rows.map { row in
            Row(variant: row[0], runs: row[1], cells: pairs.map { m, s in Cell(mean: Double(row[m]), std: Double(row[s]), isBest: false) })
        }
        guard rows.count > 1 else { return }
        for (c, metric) in metrics.enumerated() {
            let higher = higherIsBetter(metric)
            let shown = rows.map { $0.cells[c].mean.map { rounded($0) } }
            guard let best = (higher ? shown.compactMap { $0 }.max() : shown.compactMap { $0 }.min()) else { continue }
            for r in rows.indices where shown[r] == best { rows[r].cells[c].isBest = true }
        }
    }

    func rounded(_ v: Double) -> Double { (v * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals)) }

    /// Whether larger is better: the registry's word for its metrics; precision@k and per-type
    /// recall are precision and recall.
    public static func higherIsBetter(_ metric: String) -> Bool {
        if let m = MetricRegistry.named(metric) { return m.higherIsBetter }
        if metric.hasPrefix("recall_") { return MetricRegistry.named("recall")?.higherIsBetter ?? true }
        if metric.hasPrefix("precision_at_") { return MetricRegistry.named("precision")?.higherIsBetter ?? true }
        return true
    }

    /// The metrics among `available` that `patterns` name, in pattern order; a pattern may end
    /// in `*` (`recall_*`). Returns the patterns that matched nothing too, for the caller to report.
    public static func select(_ patterns: [String], from available: [String]) -> (metrics: [String], unmatched: [String]) {
        var out: [String] = [], unmatched: [String] = []
        for p in patterns {
            let matches = p.hasSuffix("*") ? available.filter { $0.hasPrefix(String(p.dropLast())) } : available.filter { $0 == p }
            if matches.isEmpty { unmatched.append(p) }
            for m in matches where !out.contains(m) { out.append(m) }
        }
        return (out, unmatched)
    }

    /// A short column heading: `ROC AUC`, `AP`, `recall (click_farming)`.
    public static func heading(_ metric: String) -> String {
        switch metric {
        case "roc_auc": return "ROC AUC"
        case "average_precision": return "AP"
        case "f1": return "F1"
        case "recall_at_1pct_fpr": return "recall @ 1% FPR"
        default:
            if metric.hasPrefix("precision_at_") { return "P@" + metric.dropFirst("precision_at_".count) }
            if metric.hasPrefix("recall_") { return "recall (" + metric.dropFirst("recall_".count) + ")" }
            return metric
        }
    }

    func number(_ v: Double) -> String { String(format: "%.\(decimals)f", v) }

    // MARK: LaTeX

    /// Text with LaTeX's special characters escaped.
    public static func latexEscaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(c)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            default: out.append(c)
            }
        }
        return out
    }

    /// A booktabs `tabular` (needs `\usepackage{booktabs}`), numbers in math mode.
    public var latex: String {
        var lines = ["% fusionlab table: mean $\\pm$ sample std over runs; the best mean per column in bold. Needs \\usepackage{booktabs}.",
                     "\\begin{tabular}{lr" + String(repeating: "r", count: metrics.count) + "}", "\\toprule",
                     (["Variant", "Runs"] + metrics.map { Self.latexEscaped(Self.heading($0)) }).joined(separator: " & ") + " \\\\",
                     "\\midrule"]
        for row in rows {
            let cells = row.cells.map { cell -> String in
                guard let mean = cell.mean else { return "--" }
                let body = number(mean) + (cell.std.map { " \\pm " + number($0) } ?? "")
                return cell.isBest ? "$\\mathbf{" + body + "}$" : "$" + body + "$"
            }
            lines.append(([Self.latexEscaped(row.variant), row.runs] + cells).joined(separator: " & ") + " \\\\")
        }
        lines += ["\\bottomrule", "\\end{tabular}"]
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Markdown and HTML

    func plainCell(_ cell: Cell) -> String {
        guard let mean = cell.mean else { return "n/a" }
        return number(mean) + (cell.std.map { " ± " + number($0) } ?? "")
    }

    public var markdown: String {
        var t = CSVTable(header: ["variant", "runs"] + metrics.map(Self.heading))
        for row in rows {
            t.append([row.variant, row.runs] + row.cells.map { $0.isBest && $0.mean != nil ? "**\(plainCell($0))**" : plainCell($0) })
        }
        return t.markdown
    }

    /// An HTML `<table>` (best cells in `<strong>`), for the report.
    public var html: String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") }
        var out = "<table class=\"numbers\"><thead><tr><th>variant</th><th>runs</th>"
        out += metrics.map { "<th>\(esc(Self.heading($0)))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr><td>\(esc(row.variant))</td><td>\(esc(row.runs))</td>"
            out += row.cells.map { $0.isBest && $0.mean != nil ? "<td><strong>\(plainCell($0))</strong></td>" : "<td>\(plainCell($0))</td>" }.joined()
            out += "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }
}
