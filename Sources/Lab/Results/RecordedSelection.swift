import Foundation
import Support

extension ModelSelection {
    /// The selection the run folders' own configs ask for (`select.metric`), when every one of
    /// `records` is a run folder recording the same metric and there are several variants; nil
    /// otherwise. Without the study's plan the config's variant order is unknown, so `order`
    /// is the variants' names sorted (a tie on validation goes to the name first in it).
    public static func recorded(in records: [RunRecord]) -> (selection: ModelSelection, order: [String])? {
        var metric: String?
        for r in records {
            guard let config = try? RunFolder.savedConfig(in: r.directory), let m = config.at("select.metric")?.stringValue, metric ?? m == m else { return nil }
            metric = m
        }
        let order = Array(Set(records.map(\.variant))).sorted()
        guard let metric, order.count > 1 else { return nil }
        return (ModelSelection(metric: metric), order)
    }

    /// `records` with the chosen runs added as `selected`, and the table's rows.
    public func adding(to records: [RunRecord], order: [String]) -> (records: [RunRecord], order: [String]) {
        (records + select(records, order: order).selected, order + ["selected"])
    }
}

extension StudyMerge {
    /// The study `fusionlab table` reads against a plan: `config`'s (for the one study folder
    /// in `paths`, or where the config puts it), or the plan a single folder records; nil when
    /// neither applies (the folders are read as they are).
    public static func forTable(paths: [String], config: ConfigLoader.Loaded?, modes: [AblationMode], masked: Bool) throws -> StudyMerge? {
        if let config {
            guard paths.count <= 1 else { throw StudyPlanError(description: "--config describes one study: give its folder alone (or none), not \(paths.count) paths") }
            let plan = try StudyPlan(config: config, modes: modes, masked: masked)
            return StudyMerge(plan: paths.first.map { plan.located(at: $0) } ?? plan)
        }
        guard paths.count == 1, let plan = try StudyPlan.recorded(in: paths[0]) else { return nil }
        return StudyMerge(plan: plan)
    }
}
