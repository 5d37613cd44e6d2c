import ArgumentParser
import Foundation
import Lab

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Export per-sample hand-made features with the run's split, for tree baselines (Benchmarks/hist_gradient_boosting.py).",
        discussion: """
        One CSV row per sample: sample_id, split (train|valid|test), label, anomaly_type, then sequence aggregates over \
        the events the model sees (counts and fractions per event type, gaps, dwell, repeat ratio, distinct items, \
        categories, devices, regions, last hour, span, history length before truncation), every events.csv token at the \
        window's last event (last_<column>, e.g. last_event_type, last_device), the profile's columns, the target's id \
        (target_item_id) and its item columns (tokens as raw strings), the target's log-price z-score within its \
        category, the window's items' attributes (window_item_<column>_…: float summaries; token distinct count, \
        last value, top share), and colour statistics of the target's picture. The header is typed as the dataset's files are \
        (sample_id:token,split:token,label:float,anomaly_type:token, then name:float or name:token), so ids that look \
        numeric stay tokens. The split, windows and image size come from the config, so the rows are exactly a run's \
        samples; statistics use the training split only. A dataset folder instead of a config uses the default data \
        options.
        """)

    @Argument(help: "Experiment config (JSON), e.g. Experiments/default.json, or a dataset folder.")
    var source: String

    @Option(help: "Output CSV (written atomically; its folder must exist).")
    var out: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value: --set data.max_length=100 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: "With k-fold cross-validation (data.split.folds), the fold whose split to write (default 0).")
    var fold: Int?

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        // Checked before the data is read, so a typo costs no wait.
        let folder = (out as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw ValidationError("--out \(out): the folder \(folder) does not exist")
        }
    }

    func run() throws {
        try reportingErrors {
            var overrides = self.overrides
            if let t = threadOptions.threads { overrides.append("threads=\(t)") }
            let config = try FeatureExport.config(path: source, overrides: overrides)
            let clock = ContinuousClock.now
            let table = try FeatureExport.table(config: config, fold: fold)
            try table.write(to: out)
            let counts = Dictionary(grouping: table.roles, by: \.description).mapValues(\.count)
            let elapsed = ContinuousClock.now - clock
            print("wrote \(out): \(table.sampleCount) samples (train \(counts["train"] ?? 0), valid \(counts["valid"] ?? 0), "
                  + "test \(counts["test"] ?? 0)), \(table.columns.count) features (\(table.columns.filter { $0.tokens != nil }.count) tokens), in " + String(format: "%.1f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        }
    }
}
