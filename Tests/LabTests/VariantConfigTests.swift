import Foundation
import Testing
@testable import Lab
import Support

/// A variant is the same config the same `--set` list gives; switching a `type` drops the old
/// type's options the new one does not accept, with a note.
@Suite struct VariantConfigTests {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test(arguments: ["consistency.json", "encoder-comparison.json", "fusion-comparison.json", "source-models.json"])
    func everyShippedVariantEqualsTheSameSetList(file: String) throws {
        let path = root + "/Experiments/" + file
        let loaded = try ConfigLoader.loadAll(path: path, schema: ExperimentSchema.root)
        let variants = try #require(loaded.resolved["variants"]?.objectPairs)
        #expect(!variants.isEmpty)
        for (name, overrides) in variants {
            let sets = (overrides.arrayValue ?? []).compactMap(\.stringValue)
            let variant = try Study.variantConfig(loaded, name).resolved
            let commandLine = try ConfigLoader.load(path: path, overrides: sets, schema: ExperimentSchema.root).setting(["variants"], to: .object([]))
            #expect(variant == commandLine, "\(file) variant \(name): \(variant.differences(to: commandLine))")
        }
    }

    /// A variant switching the optimizer gets SGD's own defaults, not AdamW's (the bug: overrides
    /// laid over a config whose defaults were already filled in kept lr 1e-3 and weight decay 0.01).
    @Test func aVariantSwitchingTheOptimizerGetsItsDefaults() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("variant-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try #"{"name": "v", "variants": {"adamw": [], "sgd": ["training.optimizer.type=sgd"]}}"#.write(toFile: dir + "/e.json", atomically: true, encoding: .utf8)
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", schema: ExperimentSchema.root)
        let sgd = try Study.variantConfig(loaded, "sgd").resolved
        #expect(sgd.at("training.optimizer") == ["type": "sgd", "lr": 0.01, "momentum": 0.9, "weight_decay": 0.0])
        let adamw = try Study.variantConfig(loaded, "adamw").resolved
        #expect(adamw.at("training.optimizer.lr")?.doubleValue == 1e-3 && adamw.at("training.optimizer.weight_decay")?.doubleValue == 0.01)
    }

    @Test func switchingTheSequenceEncoderDropsOptionsItDoesNotAccept() throws {
        let path = root + "/Experiments/default.json"
        let loaded = try ConfigLoader.loadAll(path: path, overrides: ["model.encoders.sequence.type=gru"], schema: ExperimentSchema.root)
        let sequence = try #require(loaded.resolved.at("model.encoders.sequence"))
        #expect(sequence["type"] == "gru" && sequence["pooling"] == "last")
        #expect(loaded.notes == ["model.encoders.sequence: switching type from transformer to gru dropped the transformer option(s) gru does not accept: "
                                 + "heads = a number 4, feedforward = a number 128, pooling = a string \"mean\""], "\(loaded.notes)")
        // Still valid for GRU, so kept: the base's two layers.
        #expect(sequence["layers"] == 2)
        // Given in the same layer as the switch (or after it), an invalid option is still an error.
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(path: path, overrides: ["model.encoders.sequence.type=gru", "model.encoders.sequence.pooling=mean"],
                                  schema: ExperimentSchema.root)
        }
    }

    @Test func aDerivedFileSwitchingTypeDropsTheBasesOptions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("variant-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try #"{"model": {"fusion": {"type": "attention", "heads": 2}}}"#.write(toFile: dir + "/base.json", atomically: true, encoding: .utf8)
        try #"{"extends": "base.json", "model": {"fusion": {"type": "concat"}}}"#.write(toFile: dir + "/e.json", atomically: true, encoding: .utf8)
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", schema: ExperimentSchema.root)
        #expect(loaded.resolved.at("model.fusion.type") == "concat" && loaded.resolved.at("model.fusion.heads") == nil)
        #expect(loaded.notes.count == 1 && loaded.notes[0].hasPrefix("model.fusion: switching type from attention to concat dropped"), "\(loaded.notes)")
    }
}

@Suite(.serialized) struct StudyDataTests {
    /// Variants that differ only in the model share one read and one preparation of the data.
    @Test func aStudyPreparesEachDataSectionOnce() throws {
        let out = scratchDirectory()
        let config = try tinyConfig(out, ["training.epochs=1", "model.modalities=[\"sequence\",\"profile\"]",
                                          "variants={\"a\": [], \"b\": [\"model.fusion.type=concat\"], \"c\": [\"data.max_length=20\"]}"])
        let path = out + "/experiment.json"
        try config.rendered().write(toFile: path, atomically: true, encoding: .utf8)
        var lines: [String] = []
        let outcome = try Study.runVariants(config: try ConfigLoader.loadAll(path: path, schema: ExperimentSchema.root), resume: false,
                                            reporter: { lines.append($0) })
        #expect(outcome.table.rows.map { $0[0] } == ["a", "b", "c"])
        // a and b share one preparation; c's data section differs, so it gets its own.
        #expect(lines.filter { $0.hasPrefix("data: ") }.count == 2, "\(lines.filter { $0.hasPrefix("data: ") })")
    }
}

@Suite struct SameLayerTypeOptionTests {
    /// An option of another type given beside `type` in the same layer is a mistake, not silently dropped.
    @Test func anOptionOfAnotherTypeBesideTheTypeIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("variant-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try #"{"model": {"encoders": {"sequence": {"type": "gru", "heads": 4}}}}"#.write(toFile: dir + "/e.json", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError(path: "model.encoders.sequence.heads",
                                    message: "is an option of type transformer, not of gru; valid keys for gru: type, hidden, layers, bidirectional, dropout, pooling",
                                    file: dir + "/e.json")) {
            try ConfigLoader.load(path: dir + "/e.json", schema: ExperimentSchema.root)
        }
    }
}
