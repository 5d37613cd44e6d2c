import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance (use a release build: `swift build -c release`).",
        subcommands: [BenchEngineCommand.self, BenchModelCommand.self, BenchDataCommand.self, BenchStepsCommand.self,
                      BenchMemoryCommand.self, BenchQuantizationCommand.self])
}
