import Foundation
import Datasets
import Support

/// One run of a study's plan.
public struct PlannedRun: Sendable, Equatable {
    /// `<row>/seed-<n>[/fold-<k>]`: the run folder's path below the study's `runs/`, and its
    /// name in `fusionlab plan` and in messages.
    public var id: String
    /// Its row of the table: the `variants` entry, or the modality set (`full`, `sequence+image`).
    public var row: String
    /// The `variants` entry it runs (nil: the config itself, with `modalities`).
    public var variant: String?
    /// The modality set trained (nil: the config's own).
    public var modalities: [Modality]?
    public var seed: Int
    public var fold: Int?
    /// Also scored with each modality masked (`ablation.masked`, the full model only).
    public var masked: Bool

    public static func id(row: String, seed: Int, fold: Int?) -> String { "\(row)/seed-\(seed)" + (fold.map { "/fold-\($0)" } ?? "") }
}

/// Why a config has no plan.
public struct StudyPlanError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

/// Every run of a study, in the order a single process runs them — each variant (or modality
/// set) × seed × fold — and how its tables are made. Ids and order depend on the config alone,
/// so every shard of a study computes the same plan.
public struct StudyPlan: Sendable, Equatable {
    /// The study's name (`name`).
    public var name: String
    /// The experiment folder: runs go to `<directory>/runs/<id>`, tables beside them.
    public var directory: String
    public var runs: [PlannedRun]
    public var tables: StudyTables
    /// `select.ablate`: after the selection, a modality ablation of the variant chosen most
    /// often, in `<directory>/ablation-of-selected/` — a second stage, planned once every run
    /// of this one is complete.
    public var selectedAblation: ModelSelection.Ablation?

    /// The file in the experiment folder that records the plan (so `fusionlab table` knows
    /// what a complete study holds without the config).
    public static let file = "plan.json"
    /// The folder of the second stage (`select.ablate`) inside the study's.
    public static let selectedAblationFolder = "ablation-of-selected"

    /// The plan of a loaded config: its `variants` × seeds × folds, or without variants its
    /// modality sets (the full model, then each of `modes`' sets) × seeds × folds.
    public init(config loaded: ConfigLoader.Loaded, modes: [AblationMode], masked: Bool) throws {
        guard let variants = loaded.resolved["variants"]?.objectPairs, !variants.isEmpty else {
            self.init(options: ExperimentOptions(loaded.resolved), modes: modes, masked: masked)
            return
        }
        guard modes.isEmpty else {
            throw StudyPlanError(description: "a config with variants cannot also set ablation.mode; run them as two studies")
        }
        let base = ExperimentOptions(loaded.resolved)
        var runs: [PlannedRun] = [], first: ExperimentOptions?
        for (name, _) in variants {
            let options = ExperimentOptions(try Study.variantConfig(loaded, name).resolved)
            if options.name != base.name || options.output.directory != base.output.directory {
                throw StudyPlanError(description: "variants.\(name): a variant cannot change `name` or `output.directory`; its runs belong in the study's folder")
            }
            first = first ?? options
            for seed in options.seeds {
                for fold in Self.folds(options) {
                    runs.append(PlannedRun(id: PlannedRun.id(row: name, seed: seed, fold: fold), row: name, variant: name, modalities: nil,
                                           seed: seed, fold: fold, masked: false))
                }
            }
        }
        let options = first!
        let directory = Self.directory(options)
        self.init(name: options.name, directory: directory, runs: runs,
                  tables: StudyTables(directory: directory, order: variants.map(\.0), file: "table.csv", selection: options.selection,
                                      modalities: options.modalities),
                  selectedAblation: options.selection?.ablation)
    }

    /// The modality sets an ablation trains: the full model first, then each mode's, without repeats.
    public static func modalitySets(full: [Modality], modes: [AblationMode]) -> [[Modality]] {
        var sets = [full]
        for mode in modes { for s in mode.sets(full) where !sets.contains(s) { sets.append(s) } }
        return sets
    }

    /// The plan of one config without variants: its modality sets × seeds × folds.
    public init(options: ExperimentOptions, modes: [AblationMode], masked: Bool) {
        let full = options.modalities
        let sets = Self.modalitySets(full: full, modes: modes)
        var runs: [PlannedRun] = []
        for set in sets {
            let row = ExperimentRunner.variantName(set, full: full)
            for seed in options.seeds {
                for fold in Self.folds(options) {
                    runs.append(PlannedRun(id: PlannedRun.id(row: row, seed: seed, fold: fold), row: row, variant: nil, modalities: set,
                                           seed: seed, fold: fold, masked: masked && set == full))
                }
            }
        }
        let directory = Self.directory(options)
        self.init(name: options.name, directory: directory, runs: runs,
                  tables: StudyTables(directory: directory, order: sets.map { ExperimentRunner.variantName($0, full: full) },
                                      file: modes.isEmpty ? "table.csv" : "ablation.csv", selection: options.selection, modalities: full),
                  selectedAblation: nil)
    }

    init(name: String, directory: String, runs: [PlannedRun], tables: StudyTables, selectedAblation: ModelSelection.Ablation?) {
        self.name = name; self.directory = directory; self.runs = runs; self.tables = tables; self.selectedAblation = selectedAblation
    }

    static func folds(_ options: ExperimentOptions) -> [Int?] { options.folds.map { Array(0..<$0).map(Optional.some) } ?? [nil] }
    static func directory(_ options: ExperimentOptions) -> String { (options.output.directory as NSString).appendingPathComponent(options.name) }

    /// Where `run`'s folder is published.
    public func folder(_ run: PlannedRun) -> String { (directory as NSString).appendingPathComponent("runs/" + run.id) }

    /// The same plan for a study folder found elsewhere (moved, or named on the command line).
    public func located(at directory: String) -> StudyPlan {
        var plan = self
        plan.directory = directory
        plan.tables.directory = directory
        return plan
    }
}
