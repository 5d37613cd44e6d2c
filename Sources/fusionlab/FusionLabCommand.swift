import ArgumentParser

@main
struct FusionLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fusionlab",
        abstract: "Multimodal anomaly detection for e-commerce: run experiments, ablate modalities, build result tables and reports, score and serve.",
        subcommands: [RunCommand.self, PlanCommand.self, AblateCommand.self, TableCommand.self, ReportCommand.self, ValidateCommand.self, GenerateCommand.self, PrepareCommand.self,
                      FeaturesCommand.self, ScoreCommand.self, ServeCommand.self, BenchCommand.self])
}
