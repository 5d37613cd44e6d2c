import ArgumentParser
import Bench

struct BenchQuantizationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantization",
        abstract: "Scoring speed of the reference architecture in float32 and with int8 weights (score/serve --quantize int8).",
        discussion: """
            Builds the model of Benchmarks/torch_reference.py twice with the same random weights, converts one to int8 \
            (Linear and convolution weights per output channel, activations per row), and times both in alternating \
            repetitions: inference at batch 512 (full model, image encoder alone), one Linear layer, batch-1 latency.
            """)

    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repetitions = 7

    @Option(help: "Minimum seconds per repetition.")
    var secondsPerRepetition = 1.0

    func validate() throws {
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
        if !(secondsPerRepetition > 0) { throw ValidationError("--seconds-per-repetition must be positive, got \(secondsPerRepetition)") }
    }

    func run() throws {
        try QuantizationBench.run(repetitions: repetitions, secondsPerRepetition: secondsPerRepetition, threads: threadOptions.threads)
    }
}
