import ArgumentParser
import Bench

/// Untimed training steps for profilers; see `StepsBench`.
struct BenchStepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps",
        abstract: "Run a fixed number of training steps of the reference model, for profiling (no timing).")

    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Batch size.")
    var batchSize = 128

    @Option(help: "Untimed warm-up steps before the profiled ones (fill the buffer pool).")
    var warmup = 2

    @Option(help: "Training steps after the warm-up.")
    var steps = 3

    @Option(help: "What to train: full, or one encoder alone (sequence, profile, attributes, image).")
    var part = "full"

    @Flag(help: "Time eval-mode forward passes without gradients (scoring) instead of training steps.")
    var inference = false

    func validate() throws {
        if batchSize < 1 || steps < 0 || warmup < 0 { throw ValidationError("--batch-size must be ≥ 1, --steps and --warmup ≥ 0") }
        if !StepsBench.parts.contains(part) {
            throw ValidationError("unknown part '\(part)'; valid: \(StepsBench.parts.joined(separator: ", "))")
        }
    }

    func run() throws {
        try StepsBench.run(part: part, batchSize: batchSize, warmup: warmup, steps: steps, threads: threadOptions.threads,
                               inference: inference)
    }
}
