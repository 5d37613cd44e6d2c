import ArgumentParser
import Bench
import Foundation

struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Train and inference throughput and latency of the reference architecture, beside PyTorch's figures.",
        discussion: """
            Builds the model of Benchmarks/torch_reference.py (sequence length 50, d = 64, 2-layer Transformer \
            with 4 heads and FFN 128, profile/attribute MLPs, 3-conv image CNN on 3×32×32, attention fusion) and \
            times it as that script does: warm-up, steps per repetition calibrated to at least \
            --seconds-per-repetition, median and [min–max] over the repetitions, on a pool of 4 random batches.
            """)

    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repetitions = 7

    @Option(help: "Minimum seconds per repetition (the reference uses 1).")
    var secondsPerRepetition = 1.0

    @Option(help: "Sections to run: train, inference, latency, encoders (comma-separated).")
    var sections = ModelBench.Section.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Encoders the encoders section times alone: sequence, profile, attributes, image, fusion_only (comma-separated).")
    var encoders = ModelBench.encoderNames.joined(separator: ",")

    @Option(help: "Also write the figures as JSON to this file, in the keys of Benchmarks/torch_reference.py --out.")
    var json: String?

    func validate() throws {
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
        if !(secondsPerRepetition > 0) { throw ValidationError("--seconds-per-repetition must be positive, got \(secondsPerRepetition)") }
        _ = try wantedSections()
        _ = try wantedEncoders()
    }

    private func wantedEncoders() throws -> [String] {
        let names = encoders.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where !ModelBench.encoderNames.contains(name) {
            throw ValidationError("unknown encoder '\(name)'; valid: \(ModelBench.encoderNames.joined(separator: ", "))")
        }
        return names
    }

    private func wantedSections() throws -> [ModelBench.Section] {
        var wanted: [ModelBench.Section] = []
        for name in sections.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let s = ModelBench.Section(rawValue: name) else {
                throw ValidationError("unknown section '\(name)'; valid: \(ModelBench.Section.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !wanted.contains(s) { wanted.append(s) }
        }
        return wanted
    }

    func run() throws {
        try ModelBench.run(sections: try wantedSections(), encoders: try wantedEncoders(), repetitions: repetitions,
                           secondsPerRepetition: secondsPerRepetition, threads: threadOptions.threads, jsonPath: json)
    }
}
