import ArgumentParser

@main
struct FusionLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fusionlab",
        abstract: "Multimodal anomaly detection for e-commerce: run experiments, ablate modalities, build result tables.",
        subcommands: [RunCommand.self, AblateCommand.self, TableCommand.self, ValidateCommand.self, GenerateCommand.self, FeaturesCommand.self, ScoreCommand.self, ServeCommand.self, BenchCommand.self])
}
