import Foundation
import Support

/// What `fusionlab plan` prints: every run of a study with its id, its state in the study
/// folder and (with a shard count) its shard — as text, TSV or JSON. With `select.ablate`, the
/// second stage follows once the first is complete (before, it cannot be planned: it ablates
/// the variant the first stage selects).
public struct StudyPlanListing {
    public struct Stage {
        /// The folder the ids are relative to, below the study's (`""`, or `ablation-of-selected/`).
        public var prefix: String
        public var plan: StudyPlan
        public var states: [StudyMerge.State]
    }
    public var stages: [Stage]
    /// `select.ablate` is configured and waits for the first stage.
    public var secondStageWaits: Bool
    public var shards: Int?

    public init(config loaded: ConfigLoader.Loaded, modes: [AblationMode], masked: Bool, shards: Int?) throws {
        let plan = try StudyPlan(config: loaded, modes: modes, masked: masked)
        let merge = StudyMerge(plan: plan)
        stages = [Stage(prefix: "", plan: plan, states: merge.states.map(\.state))]
        self.shards = shards
        secondStageWaits = false
        guard let ablation = plan.selectedAblation else { return }
        let (_, _, choices) = merge.isComplete ? try plan.tables.records(try merge.results()) : ([], [], nil)
        guard let choices, let chosen = plan.tables.selection?.mostOftenSelected(choices, order: plan.tables.order) else {
            secondStageWaits = true
            return
        }
        let options = ExperimentOptions(try Study.selectedAblationConfig(loaded, chosen: chosen, ablation: ablation))
        let second = StudyPlan(options: options, modes: ablation.modes, masked: ablation.masked)
        stages.append(Stage(prefix: StudyPlan.selectedAblationFolder + "/", plan: second, states: StudyMerge(plan: second).states.map(\.state)))
    }

    public var count: Int { stages.map(\.plan.runs.count).reduce(0, +) }

    private func rows() -> [(stage: Int, index: Int, id: String, run: PlannedRun, state: StudyMerge.State, shard: Int?)] {
        stages.enumerated().flatMap { s, stage in
            stage.plan.runs.enumerated().map { k, run in
                (s + 1, k, stage.prefix + run.id, run, stage.states[k], shards.map { k % $0 })
            }
        }
    }

    private static func modalities(_ run: PlannedRun) -> String { run.modalities.map { $0.map(\.rawValue).joined(separator: "+") } ?? "" }

    /// A header line, then a line per run: stage, index (within its stage), id, row, seed,
    /// fold (empty without folds), modalities (empty: the variant's own), state, and shard.
    public var tsv: String {
        var lines = [(["stage", "index", "id", "row", "seed", "fold", "modalities", "state"] + (shards == nil ? [] : ["shard"])).joined(separator: "\t")]
        for r in rows() {
            lines.append(([String(r.stage), String(r.index), r.id, r.run.row, String(r.run.seed), r.run.fold.map(String.init) ?? "",
                           Self.modalities(r.run), r.state.rawValue] + (r.shard.map { [String($0)] } ?? [])).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        let first = stages[0].plan
        return [
            "study": .string(first.name), "directory": .string(first.directory), "count": .number(Double(count)),
            "shards": shards.map { .number(Double($0)) } ?? .null,
            "second_stage_waits": .bool(secondStageWaits),
            "runs": .array(rows().map { r in
                var run = r.run.json.setting(["id"], to: .string(r.id))
                run = run.setting(["stage"], to: .number(Double(r.stage))).setting(["index"], to: .number(Double(r.index)))
                    .setting(["state"], to: .string(r.state.rawValue))
                return r.shard.map { run.setting(["shard"], to: .number(Double($0))) } ?? run
            }),
        ]
    }

    public var text: String {
        let first = stages[0].plan
        var out = "\(first.name): \(count) runs in \(first.directory)/runs/<id>"
            + (first.tables.selection.map { ", selecting on validation \($0.metric)" } ?? "") + "\n"
        var table = CSVTable(header: ["stage", "index", "id", "state"] + (shards == nil ? [] : ["shard"]))
        for r in rows() { table.append([String(r.stage), String(r.index), r.id, r.state.rawValue] + (r.shard.map { [String($0)] } ?? [])) }
        out += table.markdown
        let done = stages.flatMap(\.states).filter { $0 == .complete }.count
        out += "\(done) of \(count) complete\n"
        if secondStageWaits {
            out += "then select.ablate: a modality ablation of the variant selected most often, in \(first.directory)/\(StudyPlan.selectedAblationFolder)/, "
                + "planned once every run above is complete\n"
        }
        return out
    }
}
