import Foundation
import Testing
@testable import Lab

/// Problems with results files are their own errors, named by path and line — not config errors.
@Suite struct ResultFileErrorTests {
    @Test func aFolderWithoutMetricsIsNamed() throws {
        let dir = scratchDirectory()
        #expect(throws: ResultFileError(path: dir + "/metrics.json", "missing (is \(dir) a finished run folder?)")) { try RunRecord.read(directory: dir) }
        try "{\"variant\": ".write(toFile: dir + "/metrics.json", atomically: true, encoding: .utf8)
        do { _ = try RunRecord.read(directory: dir); Issue.record("expected an error") } catch let error as ResultFileError {
            #expect(error.path == dir + "/metrics.json" && error.line == 1 && error.message.hasPrefix("invalid JSON at column 13"), "\(error)")
        }
    }

    @Test func aMalformedSummaryNamesItsLine() throws {
        let path = scratchDirectory() + "/summary.csv"
        try "variant,seed,fold,roc_auc\nfull,0,,0.9\nfull,x,,0.8\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ResultFileError(path: path, line: 3, "expected 4 fields with a whole-number seed, found 4")) { try RunRecord.readSummary(path: path) }
        try "variant,seed,fold,roc_auc\nfull,0,,high\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ResultFileError(path: path, line: 2, "column roc_auc: \"high\" is not a number")) { try RunRecord.readSummary(path: path) }
    }
}
