import ArgumentParser
import Bench
import Foundation

struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "sgemm throughput through the engine vs raw cblas_sgemm, layer forward+backward times, memory over training steps.")

    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repetitions = 7

    @Option(help: "Minimum seconds per repetition.")
    var secondsPerRepetition = 0.3

    @Option(help: "Sections to run: sgemm, layers, memory (comma-separated).")
    var sections = "sgemm,layers,memory"

    func validate() throws {
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
        if !(secondsPerRepetition > 0) { throw ValidationError("--seconds-per-repetition must be positive, got \(secondsPerRepetition)") }
        let unknown = wantedSections.subtracting(EngineBench.sections)
        if !unknown.isEmpty { throw ValidationError("unknown section(s) \(unknown.sorted()); valid: \(EngineBench.sections.joined(separator: ", "))") }
    }

    private var wantedSections: Set<String> {
        Set(sections.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
    }

    func run() throws {
        EngineBench.run(sections: wantedSections, repetitions: repetitions, secondsPerRepetition: secondsPerRepetition,
                        threads: threadOptions.threads)
    }
}
