import Foundation
import Support

/// How a process guards a study folder while it writes. A whole study in one process holds the
/// experiment folder's lock exclusively, for as long as it runs. A shard holds it shared — the
/// shards of a study work side by side, and none of them beside a whole-study process — and
/// locks each run folder only while it writes it (`runs/<row>/.seed-<n>.lock`), and the tables
/// only while it writes them (`.tables.lock`).
public enum StudyLocking: Sendable {
    case wholeStudy
    case perRun
}

/// The runners that carry out a plan's runs: one per variant (or one for the config), sharing
/// the study's caches of prepared data, consistency fits and trained models.
final class StudyRunners {
    private let runners: [String: ExperimentRunner]
    /// The first variant's runner (or the only one): its experiment folder and selection are the study's.
    let base: ExperimentRunner
    let consistencyCache: ConsistencyCache
    let trainedModelCache: TrainedModelCache
    let datasetCache: DatasetCache

    /// Runners for every variant of `loaded` (checked first: a typo in the last variant should
    /// not surface an hour into the study), or one for the config itself.
    init(config loaded: ConfigLoader.Loaded, locking: StudyLocking = .wholeStudy, reporter: @escaping (String) -> Void) throws {
        consistencyCache = ConsistencyCache(); trainedModelCache = TrainedModelCache(); datasetCache = DatasetCache()
        guard let variants = loaded.resolved["variants"]?.objectPairs, !variants.isEmpty else {
            let runner = ExperimentRunner(config: loaded.resolved, reporter: reporter)
            base = runner
            runners = ["": runner]
            share(runner, locking: locking)
            return
        }
        let resolved = try variants.map { (name: $0.0, config: try Study.variantConfig(loaded, $0.0)) }
        var runners: [String: ExperimentRunner] = [:]
        for (name, variant) in resolved {
            for note in variant.notes { reporter("note: [\(name)] \(note)") }
            let runner = ExperimentRunner(config: variant.resolved, reporter: reporter)
            runner.variantLabel = name
            runners[name] = runner
        }
        base = runners[resolved[0].name]!
        self.runners = runners
        for runner in runners.values { share(runner, locking: locking) }
    }

    /// The runners of a single config's runner (an ablation study), with its caches.
    init(runner: ExperimentRunner) {
        consistencyCache = runner.consistencyCache ?? ConsistencyCache()
        trainedModelCache = runner.trainedModelCache ?? TrainedModelCache()
        datasetCache = runner.datasetCache ?? DatasetCache()
        base = runner
        runners = ["": runner]
        share(runner, locking: runner.locking)
    }

    /// A runner for another config (the second stage of `select.ablate`) with this study's caches.
    func runner(config: JSONValue, locking: StudyLocking) -> ExperimentRunner {
        let runner = ExperimentRunner(config: config, reporter: base.reporter)
        share(runner, locking: locking)
        return runner
    }

    private func share(_ runner: ExperimentRunner, locking: StudyLocking) {
        runner.consistencyCache = consistencyCache
        runner.trainedModelCache = trainedModelCache
        runner.datasetCache = datasetCache
        runner.locking = locking
    }

    /// Trains (or with `resume` keeps or continues) `run`, publishing its folder.
    func run(_ run: PlannedRun, resume: Bool) throws -> RunResult {
        let runner = runners[run.variant ?? ""]!
        return try runner.run(modalities: run.modalities, seed: run.seed, fold: run.fold, resume: resume, masked: run.masked)
    }
}
