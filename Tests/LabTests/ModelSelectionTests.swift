import Foundation
import Testing
import Support
@testable import Lab

/// Selection over a study's variants reads validation metrics only.
@Suite(.serialized) struct ModelSelectionTests {
    func record(_ variant: String, seed: Int, valid: Double?, test: Double) -> RunRecord {
        RunRecord(directory: "/runs/\(variant)/\(seed)", variant: variant, seed: seed, fold: nil,
                  test: ["average_precision": test, "roc_auc": test], valid: ["average_precision": valid, "roc_auc": valid])
    }

    @Test func theBestOnValidationIsChosenPerSeedAndReportedOnTest() {
        let records = [record("a", seed: 0, valid: 0.6, test: 0.9), record("b", seed: 0, valid: 0.7, test: 0.1),
                       record("a", seed: 1, valid: 0.8, test: 0.2), record("b", seed: 1, valid: 0.8, test: 0.95),
                       record("a", seed: 2, valid: nil, test: 0.99), record("b", seed: 2, valid: 0.1, test: 0.3)]
        let (choices, selected) = ModelSelection(metric: "average_precision").select(records, order: ["a", "b"])
        // Seed 0: b is better on validation (though worse on test); seed 1: a tie goes to the first
        // listed; seed 2: a's validation metric is undefined, so b.
        #expect(choices.map(\.variant) == ["b", "a", "b"])
        #expect(selected.map { $0.test["average_precision"] ?? nil } == [0.1, 0.2, 0.3])
        #expect(selected.allSatisfy { $0.variant == "selected" })
        // Changing every test metric changes no choice.
        let shuffledTests = records.map { r in var r = r; r.test = ["average_precision": 1 - ((r.test["average_precision"] ?? 0) ?? 0)]; return r }
        #expect(ModelSelection(metric: "average_precision").select(shuffledTests, order: ["a", "b"]).choices.map(\.variant) == ["b", "a", "b"])
        let table = ModelSelection(metric: "average_precision").table(choices, order: ["a", "b"])
        #expect(table.header == ["seed", "fold", "selected", "valid_average_precision_a", "valid_average_precision_b"])
    }

    @Test func theVariantChosenMostOftenWinsAndTiesGoToTheBetterMeanValidation() {
        func choice(_ seed: Int, _ variant: String, _ a: Double, _ b: Double, _ c: Double) -> ModelSelection.Choice {
            ModelSelection.Choice(seed: seed, fold: nil, variant: variant, candidates: [("a", a), ("b", b), ("c", c)])
        }
        let selection = ModelSelection(metric: "average_precision")
        let order = ["a", "b", "c"]
        #expect(selection.mostOftenSelected([choice(0, "b", 0.1, 0.5, 0.2), choice(1, "c", 0.1, 0.2, 0.6), choice(2, "b", 0.1, 0.5, 0.2)], order: order) == "b")
        // One each for b and c: c's mean validation (0.5) beats b's (0.4).
        #expect(selection.mostOftenSelected([choice(0, "b", 0.1, 0.6, 0.4), choice(1, "c", 0.1, 0.2, 0.6)], order: order) == "c")
        // Equal counts and equal means: the variant listed first.
        #expect(selection.mostOftenSelected([choice(0, "b", 0.1, 0.6, 0.4), choice(1, "c", 0.1, 0.4, 0.6)], order: order) == "b")
        #expect(selection.mostOftenSelected([], order: order) == nil)
    }

    @Test func aStudyWithSelectGainsASelectedRow() throws {
        let out = scratchDirectory()
        let path = (out as NSString).appendingPathComponent("study.json")
        try """
        {"extends": "experiment.json", "name": "selecting", "seeds": [0, 1],
         "variants": {"neural": ["training.epochs=2"], "gbdt": ["model.type=gbdt"], "knn": ["model.type=knn"]},
         "select": {"metric": "roc_auc", "ablate": {"mode": ["leave-one-out"], "seeds": [0]}}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try tinyConfig(out)   // writes experiment.json beside it
        let loaded = try ConfigLoader.loadAll(path: path, schema: ExperimentSchema.root)
        let outcome = try Study.runVariants(config: loaded, resume: false, reporter: { _ in })
        #expect(outcome.table.rows.map { $0[0] } == ["neural", "gbdt", "knn", "selected"])
        let directory = (out as NSString).appendingPathComponent("Results/selecting")
        let selection = read(directory + "/selection.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(selection.count == 3 && selection[0].prefix(3) == ["seed", "fold", "selected"])
        // Each selected row is the chosen run's own test metrics, and the choice is the validation maximum.
        let records = try outcome.results.map { try RunRecord.read(directory: $0.directory) }
        for row in selection.dropFirst() {
            let seed = Int(row[0])!, chosen = row[2]
            let candidates = records.filter { $0.seed == seed }
            let best = candidates.max { ($0.valid["roc_auc"] ?? nil) ?? -1 < ($1.valid["roc_auc"] ?? nil) ?? -1 }!
            #expect(chosen == best.variant)
        }
        let summary = read(directory + "/summary.csv")
        #expect(summary.contains("\nselected,0,") && summary.contains("\nselected,1,"))

        // select.ablate: the variant chosen most often, ablated over seed 0 in its own folder;
        // its full model is that variant's own seed-0 run, metric for metric.
        let chosen = try #require(outcome.mostOftenSelected)
        let ablation = try #require(outcome.selectedAblation)
        #expect(ablation.variant == chosen)
        #expect(ablation.outcome.tablePath == directory + "/ablation-of-selected/ablation.csv")
        #expect(ablation.outcome.table.rows.map { $0[0] }.first == "full")
        #expect(ablation.outcome.table.rows.count == 5, "full and four leave-one-out sets: \(ablation.outcome.table.rows.map { $0[0] })")
        #expect(ablation.outcome.results.allSatisfy { $0.seed == 0 })
        let full = try RunRecord.read(directory: ablation.outcome.results[0].directory)
        let original = try #require(records.first { $0.variant == chosen && $0.seed == 0 })
        #expect(full.test["roc_auc"] == original.test["roc_auc"] && full.test["average_precision"] == original.test["average_precision"])
    }
}
