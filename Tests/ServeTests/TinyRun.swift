import Foundation
import Datasets
import Lab
import Support

/// The tiny synthetic shop and one run trained on it (2 epochs of a 16-wide model), made once
/// per test process and shared by every suite; both are removed when the process exits.
enum TinyRun {
    static let root: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fl-serve-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        rootToRemove = folder
        atexit { if let folder = rootToRemove { try? FileManager.default.removeItem(atPath: folder) } }
        return folder
    }()

    static let shop: String = {
        let folder = root + "/shop"
        _ = try! SyntheticShop(config: ShopConfig(preset: .tiny, seed: 0)).write(to: folder)
        return folder
    }()

    /// The run folder.
    static let run: String = {
        let out = root + "/study"
        try! FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let path = out + "/experiment.json"
        try! """
        {
          "name": "tiny",
          "data": {"path": "\(shop)", "event_float_columns": ["dwell", "rating"], "images": {"size": 16}},
          "model": {"dimension": 16,
                    "encoders": {"sequence": {"layers": 1, "heads": 2, "feedforward": 32}, "image": {"channels": [4, 8]},
                                 "profile": {"hidden": [16]}, "attributes": {"hidden": [16]}},
                    "fusion": {"heads": 2, "hidden": [16]}},
          "training": {"epochs": 2, "batch_size": 64, "early_stopping": {"patience": 10}},
          "output": {"directory": "\(out)/Results"},
          "threads": 2
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try! ConfigLoader.load(path: path, overrides: [], schema: ExperimentSchema.root)
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        runner.interactive = false
        return try! runner.run(seed: 1, fold: nil, resume: false).directory
    }()

    /// The shop's labels.csv rows: sample_id, user_id, target_item_id, cutoff (as written).
    static let labels: [(sampleID: String, userID: String, itemID: String, cutoff: String)] = {
        let lines = (try! String(contentsOfFile: shop + "/labels.csv", encoding: .utf8)).split(separator: "\n")
        let header = lines[0].split(separator: ",").map { String($0.split(separator: ":")[0]) }
        let s = header.firstIndex(of: "sample_id")!, u = header.firstIndex(of: "user_id")!
        let i = header.firstIndex(of: "target_item_id")!, c = header.firstIndex(of: "cutoff")!
        return lines.dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (f[s], f[u], f[i], f[c])
        }
    }()

    static func scratch() -> String {
        let d = root + "/scratch-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}

nonisolated(unsafe) private var rootToRemove: String?
