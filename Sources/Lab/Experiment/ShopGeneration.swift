import Datasets
import Foundation
import Tensor

/// `fusionlab generate`: options as typed on the command line → the synthetic shop on disk → a report.
public struct ShopGeneration {
    public static var presetNames: [String] { ShopPreset.allCases.map(\.rawValue) }
    public static var anomalyTypeNames: [String] { AnomalyType.allCases.map(\.rawValue) }
    public static let defaultPreset = ShopPreset.small.rawValue

    /// An option the shop cannot be generated with; the CLI shows it as a usage error.
    public struct OptionError: Error, CustomStringConvertible {
        public var description: String
    }

    public var preset: String
    public var seed: UInt64
    /// nil: `Datasets/synthetic-<preset>`.
    public var folder: String?
    public var anomalyRate: Double
    /// Comma-separated anomaly types, or `all`.
    public var types: String
    public var imageSize: Int
    /// Multiplies the preset's users, items and sellers (a shop larger than `large`).
    public var scale: Double = 1
    public var overwrite: Bool
    public var threads: Int?

    public init(preset: String, seed: UInt64, folder: String?, anomalyRate: Double, types: String, imageSize: Int,
                overwrite: Bool, threads: Int?) {
        self.preset = preset
        self.seed = seed
        self.folder = folder
        self.anomalyRate = anomalyRate
        self.types = types
        self.imageSize = imageSize
        self.overwrite = overwrite
        self.threads = threads
    }

    /// Writes the shop and returns what to print: where, how long, and the counts per type.
    public func run() throws -> String {
        if let threads { ComputeThreads.set(threads) }
        guard let preset = ShopPreset(rawValue: preset) else {
            throw OptionError(description: "unknown preset \"\(preset)\"; valid presets: \(Self.presetNames.joined(separator: ", "))")
        }
        var config = ShopConfig(preset: preset, seed: seed)
        config.anomalyRate = anomalyRate
        config.imageSize = imageSize
        guard scale > 0 && scale <= 100 else { throw OptionError(description: "--scale must be in (0, 100], got \(scale)") }
        if scale != 1 {
            config.userCount = Int((Double(config.userCount) * scale).rounded())
            config.itemCount = Int((Double(config.itemCount) * scale).rounded())
            config.sellerCount = Int((Double(config.sellerCount) * scale).rounded())
        }
        do {
            config.anomalyTypes = try AnomalyType.parseList(types)
            let folder = folder ?? "Datasets/synthetic-\(preset.rawValue)"
            let clock = ContinuousClock.now
            let shop = try SyntheticShop(config: config)
            let summary = try shop.write(to: folder, overwrite: overwrite)
            let elapsed = ContinuousClock.now - clock
            return Self.report(summary, folder: folder, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        } catch let error as ShopConfigError {
            throw OptionError(description: error.description)
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
