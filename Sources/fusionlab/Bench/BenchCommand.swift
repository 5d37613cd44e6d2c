import ArgumentParser
import Tensor

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance (use a release build: `swift build -c release`).",
        subcommands: [BenchEngineCommand.self, BenchModelCommand.self, BenchDataCommand.self, BenchStepsCommand.self])
}

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
    }

    func run() throws {
        if let t = threadOptions.threads { ComputeThreads.set(t) }
        let timer = BenchTimer(repetitions: repetitions, minimumSeconds: secondsPerRepetition)
        printBuildWarning()
        print("FusionLab engine benchmark — threads: \(ComputeThreads.count), repetitions: \(repetitions) (median, [min–max])\n")
        let wanted = Set(sections.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let unknown = wanted.subtracting(["sgemm", "layers", "memory"])
        if !unknown.isEmpty { throw ValidationError("unknown section(s) \(unknown.sorted()); valid: sgemm, layers, memory") }
        if wanted.contains("sgemm") { EngineBench.sgemm(timer) }
        if wanted.contains("layers") { EngineBench.layers(timer) }
        if wanted.contains("memory") { EngineBench.memory() }
    }
}

func printBuildWarning() {
    #if DEBUG
    print("warning: this is a debug build; figures are not representative. Use `swift build -c release`.\n")
    #endif
}
