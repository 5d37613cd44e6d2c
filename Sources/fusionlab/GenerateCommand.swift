import ArgumentParser
import Lab

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the built-in synthetic shop dataset (events, users, items, labels, product images).",
        discussion: """
        Presets: tiny (~400 samples, for tests), small (5,000 samples, the default), medium (50,000 samples), \
        large (250,000 users, about 16 million events, shared images; for data benchmarks). The same options \
        always write the same bytes. Anomaly types: \(ShopGeneration.anomalyTypeNames.joined(separator: ", ")).
        """)

    @Option(help: "Size: \(ShopGeneration.presetNames.joined(separator: ", ")).")
    var preset: String = ShopGeneration.defaultPreset

    @Option(help: "Random seed; the same seed writes the same files.")
    var seed: UInt64 = 0

    @Option(help: "Output folder (default: Datasets/synthetic-<preset>).")
    var out: String?

    @Option(help: "Fraction of anomalous samples, split evenly over the types (0...0.5).")
    var anomalyRate: Double = 0.1

    @Option(help: "Comma-separated anomaly types to plant, or all.")
    var types: String = "all"

    @Option(help: "Side of the square product images in pixels.")
    var imageSize: Int = 32

    @Option(help: "Multiply the preset's users, items and sellers (--preset large --scale 4: a million users, about 63 million events).")
    var scale: Double = 1

    @Flag(help: "Overwrite the dataset in an existing non-empty folder.")
    var force = false

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        var generation = ShopGeneration(preset: preset, seed: seed, folder: out, anomalyRate: anomalyRate, types: types,
                                        imageSize: imageSize, overwrite: force, threads: threadOptions.threads)
        generation.scale = scale
        do {
            print(try generation.run())
        } catch let error as ShopGeneration.OptionError {
            throw ValidationError(error.description)
        }
    }
}
