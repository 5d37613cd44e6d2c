import ArgumentParser
import Foundation
import Lab

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html for a study folder (e.g. Results/consistency) or one run folder: curves, bars, distributions, attribution, examples, provenance.",
        discussion: "One self-contained file (inline SVG, no network), written beside the study's tables or into the run folder.")

    @Argument(help: "A study's results folder, or one of its run folders (runs/<variant>/seed-<n>).")
    var directory: String

    func run() throws {
        try reportingErrors {
            let written = try HTMLReport.write(directory)
            if !written.skipped.isEmpty {
                FileHandle.standardError.write(Data("left out \(written.skipped.count) unfinished run folder(s), e.g. \(written.skipped[0].folder)\n".utf8))
            }
            print("report: \(written.path) (\(written.runs) run(s), \(written.bytes / 1024) KB)")
        }
    }
}
