import Foundation
import Plot
import Support

/// The HTML around the charts: one self-contained page (inline CSS and SVG, no script, no
/// network), sections with a table of contents, and helpers for tables, figures and folds.
struct ReportPage {
    struct Section { var id: String; var heading: String; var body: String }

    var title: String
    var subtitle: String?
    var sections: [Section] = []

    mutating func add(_ id: String, _ heading: String, _ body: String?) {
        guard let body, !body.isEmpty else { return }
        sections.append(Section(id: id, heading: heading, body: body))
    }

    /// HTML text and attribute escaping is SVG's.
    static func escape(_ text: String) -> String { SVGWriter.escape(text) }

    /// A paragraph of explanatory text (escaped).
    static func note(_ text: String) -> String { "<p class=\"note\">\(escape(text))</p>\n" }

    static func figure(_ svg: String, caption: String? = nil) -> String {
        "<figure>\(svg)" + (caption.map { "<figcaption>\(escape($0))</figcaption>" } ?? "") + "</figure>\n"
    }

    /// Figures side by side, wrapping on narrow screens.
    static func row(_ items: [String]) -> String { "<div class=\"row\">\n" + items.joined() + "</div>\n" }

    /// A fold that opens on click (native `<details>`: no script needed).
    static func fold(_ summary: String, open: Bool = false, _ body: String) -> String {
        "<details\(open ? " open" : "")><summary>\(escape(summary))</summary>\n\(body)</details>\n"
    }

    /// A table of escaped cells, scrolling sideways when wider than the page; `numeric` columns are right-aligned.
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var out = "<div class=\"scroll\"><table><thead><tr>" + header.enumerated().map { "<th\(numeric.contains($0.offset) ? " class=\"num\"" : "")>\(escape($0.element))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr>" + row.enumerated().map { "<td\(numeric.contains($0.offset) ? " class=\"num\"" : "")>\(escape($0.element))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }

    /// Name–value pairs, the names as row headings.
    static func facts(_ pairs: [(String, String)]) -> String {
        "<table>" + pairs.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n") + "</table>\n"
    }

    var html: String {
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title)) — FusionLab report</title>
        <style>\(Self.style)</style>
        </head>
        <body>
        <header><h1>\(Self.escape(title))</h1>\n
        """
        if let subtitle { out += "<p class=\"subtitle\">\(Self.escape(subtitle))</p>\n" }
        out += "<nav>" + sections.map { "<a href=\"#\($0.id)\">\(Self.escape($0.heading))</a>" }.joined(separator: " · ") + "</nav></header>\n<main>\n"
        for s in sections { out += "<section id=\"\(s.id)\"><h2>\(Self.escape(s.heading))</h2>\n\(s.body)</section>\n" }
        return out + "</main>\n<footer>Written by <code>fusionlab report</code>. Plots are inline SVG; this file needs no network.</footer>\n</body>\n</html>\n"
    }

    static let style = """
    body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;color:#222;margin:0;background:#fafafa}
    header,main,footer{max-width:1360px;margin:0 auto;padding:0 24px}
    header{padding-top:16px}h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:0 0 8px;padding-top:8px;border-top:1px solid #ddd}
    h3{font-size:15px;margin:14px 0 6px}.subtitle{color:#555;margin:0 0 8px;max-width:1000px}
    nav{font-size:13px;margin:6px 0 12px}nav a{color:#0072B2;text-decoration:none}
    section{margin:18px 0 28px}.note{color:#555;font-size:13px;max-width:1000px;margin:4px 0 10px}
    .row{display:flex;flex-wrap:wrap;gap:12px 20px;align-items:flex-start}
    figure{margin:0;background:#fff;border:1px solid #e4e4e4;border-radius:4px;padding:6px}
    figure svg{display:block;max-width:100%;height:auto}.pair{display:flex;gap:4px}.figure-title{font-weight:600;font-size:14px;margin:2px 4px 0}.scroll{overflow-x:auto;max-width:100%}figcaption{font-size:12px;color:#555;margin:4px 2px 0;max-width:620px}
    table{border-collapse:collapse;font-size:13px;background:#fff;margin:6px 0 10px}
    th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f0f0f0}
    td.num,th.num,table.numbers td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}table.numbers td:first-child{text-align:left}
    details{margin:6px 0;background:#fff;border:1px solid #e4e4e4;border-radius:4px;padding:4px 10px}
    summary{cursor:pointer;font-weight:600;font-size:14px;padding:4px 0}
    code{font-size:12px}footer{color:#777;font-size:12px;padding-bottom:24px}
    """
}
