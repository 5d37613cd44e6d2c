import Foundation
import Testing
import Support
@testable import Lab

/// A study's plan names every run once, in a fixed order; shards split it without overlap; and
/// shards run one after the other leave the tables a single process writes, byte for byte.
@Suite(.serialized) struct ShardedStudyTests {
    /// A study of `variants` (name → overrides) over `seeds` on the tiny shop, with `select`.
    func study(_ out: String, name: String = "sharded", seeds: [Int] = [0, 1], extra: String = "") throws -> ConfigLoader.Loaded {
        _ = try tinyConfig(out)   // writes experiment.json beside it
        let path = (out as NSString).appendingPathComponent("\(name).json")
        try """
        {"extends": "experiment.json", "name": "\(name)", "seeds": \(seeds), "training": {"epochs": 2},
         "variants": {"concat": ["model.fusion.type=concat"], "attention": []}\(extra)}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.loadAll(path: path, schema: ExperimentSchema.root)
    }

    @Test func planIdsAreTheRunFoldersInRunOrder() throws {
        let out = scratchDirectory()
        let loaded = try study(out, seeds: [2, 0, 1])
        let plan = try StudyPlan(config: loaded, modes: [], masked: false)
        #expect(plan.runs.map(\.id) == ["concat/seed-2", "concat/seed-0", "concat/seed-1", "attention/seed-2", "attention/seed-0", "attention/seed-1"])
        #expect(plan.directory == out + "/Results/sharded")
        #expect(plan.folder(plan.runs[0]) == out + "/Results/sharded/runs/concat/seed-2")
        // The same config gives the same plan; the recorded plan.json reads back as it.
        #expect(try StudyPlan(config: loaded, modes: [], masked: false) == plan)
        try plan.write()
        #expect(try StudyPlan.recorded(in: plan.directory) == plan)

        // Folds and an ablation: modality set × seed × fold, full model first.
        let ablation = try StudyPlan(config: try ConfigLoader.loadAll(path: out + "/experiment.json",
                                                                       overrides: ["seeds=[0, 1]", "data.split.folds=2", "model.modalities=[\"sequence\",\"profile\"]"],
                                                                       schema: ExperimentSchema.root),
                                     modes: [.leaveOneOut], masked: true)
        #expect(ablation.runs.map(\.id) == ["full/seed-0/fold-0", "full/seed-0/fold-1", "full/seed-1/fold-0", "full/seed-1/fold-1",
                                            "profile/seed-0/fold-0", "profile/seed-0/fold-1", "profile/seed-1/fold-0", "profile/seed-1/fold-1",
                                            "sequence/seed-0/fold-0", "sequence/seed-0/fold-1", "sequence/seed-1/fold-0", "sequence/seed-1/fold-1"])
        #expect(ablation.runs.filter(\.masked).map(\.row) == ["full", "full", "full", "full"])
        #expect(ablation.tables.file == "ablation.csv" && ablation.tables.order == ["full", "profile", "sequence"])
        // Variants and an ablation in one config have no plan.
        #expect(throws: StudyPlanError.self) {
            try StudyPlan(config: try study(out, name: "both", extra: #", "ablation": {"mode": ["single"]}"#), modes: [.single], masked: false)
        }
    }

    @Test func shardsPartitionThePlan() throws {
        let runs = Array(0..<11)
        for n in 1...5 {
            let parts = try (0..<n).map { try Shard(index: $0, count: n).take(runs) }
            #expect(parts.flatMap { $0 }.sorted() == runs, "N = \(n): every run in some shard")
            #expect(Set(parts.flatMap { $0 }).count == runs.count, "N = \(n): no run in two shards")
            #expect(parts.map(\.count).max()! - parts.map(\.count).min()! <= 1, "N = \(n): balanced")
            #expect(parts.allSatisfy { $0 == $0.sorted() }, "N = \(n): plan order kept")
        }
        #expect(try Shard(parsing: "1/3") == Shard(index: 1, count: 3))
        for (bad, rule) in [("3/2", "must be from 0 to N - 1 = 1"), ("0/0", "at least 1"), ("-1/2", "from 0 to N - 1"), ("1of2", "expected i/N"), ("1/", "expected i/N")] {
            #expect(throws: ShardError.self) { try Shard(parsing: bad) }
            do { _ = try Shard(parsing: bad) } catch { #expect(error.description.hasPrefix("--shard \(bad): ") && error.description.contains(rule), "\(error)") }
        }
    }

    @Test func shardsRunOneAfterTheOtherWriteTheSingleProcessTables() throws {
        let single = scratchDirectory(), sharded = scratchDirectory()
        let select = #", "select": {"metric": "average_precision"}"#
        _ = try Study.runVariants(config: try study(single, extra: select), resume: false, reporter: { _ in })
        let loaded = try study(sharded, extra: select)
        let first = try ShardedStudy(config: loaded, shard: Shard(index: 0, count: 2), reporter: { _ in }).run()
        let directory = sharded + "/Results/sharded"
        // Half the study: the tables wait; what is missing is named.
        #expect(first.stages[0].ran.map(\.id) == ["concat/seed-0", "attention/seed-0"])
        #expect(first.stages[0].tables == nil && !FileManager.default.fileExists(atPath: directory + "/table.csv"))
        #expect(first.stages[0].missing == "2 of 4 runs of \(directory) are not complete:\n  concat/seed-1: not run\n  attention/seed-1: not run")
        #expect(FileManager.default.fileExists(atPath: directory + "/" + StudyPlan.file))
        let second = try ShardedStudy(config: loaded, shard: Shard(index: 1, count: 2), reporter: { _ in }).run()
        #expect(second.stages[0].ran.map(\.id) == ["concat/seed-1", "attention/seed-1"])
        #expect(second.stages[0].tables?.table.rows.map { $0[0] } == ["concat", "attention", "selected"])
        for file in ["table.csv", "summary.csv", "selection.csv", "attribution.csv", StudyPlan.file] {
            let a = read(single + "/Results/sharded/" + file), b = read(directory + "/" + file)
            #expect(!a.isEmpty && a == b, "\(file) differs")
        }
        // Rebuilt from the folders alone (the recorded plan), the table is the same again.
        let merge = try #require(try StudyMerge.forTable(paths: [directory], config: nil, modes: [], masked: false))
        #expect(merge.missingReport() == nil)
        let (records, order) = try merge.records()
        #expect(ResultTables.aggregate(records, order: order).text == read(directory + "/table.csv"))
        // Without any plan (the run folders alone), the folders' recorded `select` still gives the
        // selected row: the same choices, rows in name order.
        let found = try RunRecord.findRuns(under: directory + "/runs").complete.map { try RunRecord.read(directory: $0) }
        let recorded = try #require(ModelSelection.recorded(in: found))
        #expect(recorded.selection.metric == "average_precision" && recorded.order == ["attention", "concat"])
        let (withSelected, rows) = recorded.selection.adding(to: found, order: recorded.order)
        let rebuilt = ResultTables.aggregate(withSelected, order: rows)
        let written = try #require(second.stages[0].tables?.table)
        #expect(rebuilt.rows.map { $0[0] } == ["attention", "concat", "selected"])
        #expect(rebuilt.rows.last == written.rows.last)
    }

    @Test func selectAblateRunsItsShareOnceTheFirstStageIsComplete() throws {
        let single = scratchDirectory(), sharded = scratchDirectory()
        let select = #", "select": {"metric": "average_precision", "ablate": {"mode": ["leave-one-out"], "seeds": [0]}}"#
        _ = try Study.runVariants(config: try study(single, extra: select), resume: false, reporter: { _ in })
        let study = try study(sharded, extra: select)
        let shards = [Shard(uncheckedIndex: 0, count: 2), Shard(uncheckedIndex: 1, count: 2)]
        let firstPass = try shards.map { try ShardedStudy(config: study, shard: $0, reporter: { _ in }).run() }
        // Shard 0 found the first stage incomplete; shard 1 completed it and ran its share of the second.
        #expect(firstPass[0].selectedAblationWaits && firstPass[0].stages.count == 1)
        #expect(firstPass[1].stages.count == 2 && firstPass[1].stages[1].tables == nil)
        let secondPass = try shards.map { try ShardedStudy(config: study, shard: $0, reporter: { _ in }).run() }
        #expect(secondPass.allSatisfy { $0.stages[0].ran.count == 2 })
        #expect(secondPass[1].stages[1].tables != nil, "the second pass's last shard completes the ablation")
        for file in ["table.csv", "summary.csv", "selection.csv", "ablation-of-selected/ablation.csv", "ablation-of-selected/summary.csv"] {
            let a = read(single + "/Results/sharded/" + file), b = read(sharded + "/Results/sharded/" + file)
            #expect(!a.isEmpty && a == b, "\(file) differs")
        }
    }
}
