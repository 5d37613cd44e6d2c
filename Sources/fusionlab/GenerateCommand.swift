import ArgumentParser
import Datasets
import Foundation
import Tensor

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the built-in synthetic shop dataset (events, users, items, labels, product images).",
        discussion: """
        Presets: tiny (~400 samples, for tests), small (5,000 samples, the default), medium (50,000 samples), \
        large (250,000 users, over 10 million events, shared images; for data benchmarks). The same options \
        always write the same bytes. Anomaly types: \(AnomalyType.allCases.map(\.rawValue).joined(separator: ", ")).
        """)

    @Option(help: "Size: \(ShopPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: String = ShopPreset.small.rawValue

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

    @Flag(help: "Overwrite the dataset in an existing non-empty folder.")
    var force = false

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        if let t = threadOptions.threads { ComputeThreads.set(t) }
        guard let preset = ShopPreset(rawValue: preset) else {
            throw ValidationError("unknown preset \"\(preset)\"; valid presets: \(ShopPreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var config = ShopConfig(preset: preset, seed: seed)
        config.anomalyRate = anomalyRate
        config.imageSize = imageSize
        do {
            config.anomalyTypes = try AnomalyType.parseList(types)
            let folder = out ?? "Datasets/synthetic-\(preset.rawValue)"
            let clock = ContinuousClock.now
            let shop = try SyntheticShop(config: config)
            let summary = try shop.write(to: folder, overwrite: force)
            let elapsed = ContinuousClock.now - clock
            print(Self.report(summary, folder: folder, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        } catch let error as ShopConfigError {
            throw ValidationError(error.description)
        }
    }

    static func report(_ s: ShopSummary, folder: String, seconds: Double) -> String {
        var lines = ["Wrote \(folder) (preset \(s.options.preset), seed \(s.options.seed)) in \(String(format: "%.2f", seconds)) s:",
                     "  \(s.samples) samples, \(s.events) events, \(s.items) items, \(s.images) images (\(s.options.imageSize)×\(s.options.imageSize))"]
        let normal = s.samplesPerType["normal"] ?? 0
        lines.append("  normal: \(normal)")
        for type in AnomalyType.allCases {
            if let n = s.samplesPerType[type.rawValue] { lines.append("  \(type.rawValue): \(n)") }
        }
        let anomalous = s.samples - normal
        lines.append("  anomaly rate: \(String(format: "%.3f", Double(anomalous) / Double(max(1, s.samples))))")
        return lines.joined(separator: "\n")
    }
}
