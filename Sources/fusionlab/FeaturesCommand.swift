import ArgumentParser
import Foundation
import Lab

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Export per-sample tabular features with the run's split, for classical models and tree baselines (Benchmarks/hist_gradient_boosting.py).",
        discussion: """
        One CSV row per sample: sample_id, split (train|valid|test), label, anomaly_type, then aggregates over the \
        sample's whole visible history — every event of its sequence key at or before its cutoff, not only the \
        data.max_length window the sequence encoder sees: history_length, count_<type>/frac_<type> per event type, \
        sessions, gap_… (time gaps), repeat_ratio, distinct_items, distinct_categories, distinct_<column> per events.csv \
        token column, last_hour, span_seconds; per events.csv float column (all but timestamp) its mean/std/min/median/max/\
        last and its deviation from each event's item mean (<column>_vs_item_mean, _vs_item_abs_mean, _vs_item_abs_max); \
        the popularity of the history's items (log_item_count_mean/min/max, unseen_item_share); every events.csv token \
        at the last event (last_<column>); the profile's columns (user_<column>); the target's id (target_item_id) and \
        items.csv row (item_<column>), each items.csv float column's z-score within the target's category \
        (item_<column>_z_in_category); the history's items' attributes (history_item_<column>_…); \
        item_<column>_in_user_<list> flags; and colour statistics of the target's picture. Every name comes from the \
        dataset's own columns and event types. The header is typed as the dataset's files are \
        (sample_id:token,split:token,label:float,anomaly_type:token, then name:float or name:token), so ids that look \
        numeric stay tokens. The split and image size come from the config, so the rows are exactly a run's samples; \
        nothing after a sample's cutoff is read, and every cross-sample statistic (event types with a column, item \
        means and counts, category z-scores) comes from training samples' histories only. A config with consistency \
        heads adds their cross-fitted surprises (surprise_<head>); one with training.objective=semi_supervised adds the \
        self-supervised columns its classifier reads (surprise_ssl_<column> and surprise_ssl_score, pre-trained \
        without labels on the config's first seed, as its runs pre-train them). A dataset folder instead of a config \
        uses the default data options.
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
        try checkOutputFolder(out)
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
