import Foundation
import Testing
@testable import Lab
import Support

/// Each metric is named once: metrics.json, the tables' flattening and early stopping read the registry.
@Suite struct MetricRegistryTests {
    let metrics = Evaluator.evaluate(scores: [0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1], labels: [true, false, true, false, false, true, false],
                                     types: ["bot", "", "brushing", "", "", "bot", ""], threshold: 0.5, precisionAt: [2])

    @Test func everyRegisteredMetricIsWrittenAndReadBack() throws {
        let json = metrics.json
        for m in MetricRegistry.scalars {
            #expect(json[m.name]?.doubleValue == m.value(metrics), "\(m.name)")
        }
        #expect(SplitMetrics(json: json) == metrics)
        let flat = RunRecord.flatten(json)
        #expect(Set(MetricRegistry.scalars.map(\.name)).isSubset(of: Set(flat.keys)))
        // Known values at threshold 0.5: TP 2 (0.9, 0.7), FP 2 (0.8, 0.6), FN 1 (0.2), TN 2.
        #expect(metrics.precision == 0.5 && metrics.recall == 2.0 / 3 && metrics.accuracy == 4.0 / 7)
    }

    @Test func earlyStoppingChoicesComeFromTheRegistry() throws {
        #expect(MetricRegistry.earlyStoppingChoices == ["roc_auc", "average_precision", "f1", "loss"])
        #expect(throws: ConfigError.self) { try tinyConfig(scratchDirectory(), ["training.early_stopping.metric=precision"]) }
        #expect(try tinyConfig(scratchDirectory(), ["training.early_stopping.metric=roc_auc"]).at("training.early_stopping.metric") == "roc_auc")
    }
}
