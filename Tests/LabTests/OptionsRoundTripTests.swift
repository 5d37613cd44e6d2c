import Foundation
import Testing
@testable import Lab
import Support
import Models

/// Each typed options struct stands for its whole validated config section: encoding it back
/// gives the section again, so a key the schema gains but the struct lacks fails here (and a
/// consistency-cache key built from the struct cannot silently miss an option).
@Suite struct OptionsRoundTripTests {
    /// Nulls mean "absent" in a resolved config; JSON encoders leave nil out.
    func withoutNulls(_ v: JSONValue) -> JSONValue {
        if let pairs = v.objectPairs { return .object(pairs.filter { $0.1 != .null }.map { ($0.0, withoutNulls($0.1)) }) }
        return v
    }

    func sameKeysAndValues(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.objectPairs, let y = b.objectPairs {
            return x.count == y.count && x.allSatisfy { k, v in b[k].map { sameKeysAndValues(v, $0) } ?? false }
        }
        return a == b
    }

    func configs() throws -> [JSONValue] {
        try [[], ["training.optimizer.type=sgd", "training.clip_norm=0", "evaluation.threshold=fpr", "training.imbalance=focal"]].map {
            try tinyConfig(scratchDirectory(), $0)
        }
    }

    @Test func trainingEvaluationImagesAndOutputRoundTrip() throws {
        for config in try configs() {
            let options = ExperimentOptions(config)
            for (section, encoded) in [(config["training"]!, ConfigDecoding.encode(options.training)),
                                       (config["evaluation"]!, ConfigDecoding.encode(options.evaluation)),
                                       (config.at("data.images")!, ConfigDecoding.encode(options.images)),
                                       (config["output"]!, ConfigDecoding.encode(options.output))] {
                #expect(sameKeysAndValues(withoutNulls(section), encoded), "\(section.differences(to: encoded))")
            }
        }
    }

    /// The consistency section is shared with Models (heads, evidence shape); the fit and
    /// evidence options together cover everything Lab reads of it, and the rest is the model's.
    @Test func consistencyFitAndEvidenceCoverTheSectionLessTheModelsOwnKeys() throws {
        let config = try tinyConfig(scratchDirectory())
        let options = ExperimentOptions(config)
        let section = config.at("model.consistency")!
        var covered = Set<String>()
        for encoded in [ConfigDecoding.encode(options.fit), ConfigDecoding.encode(options.evidence)] {
            for (k, v) in encoded.objectPairs! {
                #expect(section[k] == v, "\(k)")
                covered.insert(k)
            }
        }
        let modelsOwn: Set = ["heads", "surprise_input", "joint_weight", "evidence_combine", "evidence_hidden"]
        #expect(Set(section.objectPairs!.map(\.0)).subtracting(covered) == modelsOwn)
    }

    @Test func switchingTheOptimizerDecodesItsOwnCase() throws {
        let options = ExperimentOptions(try tinyConfig(scratchDirectory(), ["training.optimizer.type=sgd", "training.optimizer.lr=0.05"]))
        #expect(options.training.optimizer == .sgd(lr: 0.05, momentum: 0.9, weightDecay: 0))
        #expect(ExperimentOptions(try tinyConfig(scratchDirectory())).training.optimizer == .adamw(lr: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999))
    }

    /// The hard-coded 0.01s are config now: changing them changes the fit's key and the warm start.
    @Test func consistencyWeightDecayAndWarmStartRateAreOptions() throws {
        let base = ExperimentOptions(try tinyConfig(scratchDirectory()))
        #expect(base.fit.weightDecay == 0.01 && base.evidence.evidenceWarmupLr == 0.01 && base.evidence.evidenceWarmupWeightDecay == 0.01)
        let changed = ExperimentOptions(try tinyConfig(scratchDirectory(), ["model.consistency.weight_decay=0", "model.consistency.evidence_warmup_lr=0.1"]))
        #expect(changed.fit.weightDecay == 0 && changed.evidence.evidenceWarmupLr == 0.1)
        #expect(changed.fit != base.fit)
    }

    /// Every registered encoder and fusion decodes its whole section: its typed options encode
    /// back to the validated section (less `type`), so no schema field goes unread.
    @Test func everyEncoderAndFusionDecodesItsWholeSection() throws {
        for definition in EncoderRegistry.all {
            let section = try ConfigType.object(definition.fields).validate(.object([]), path: "")
            let encoded = ConfigDecoding.encode(definition.decode(section.setting(["type"], to: .string(definition.name))))
            #expect(sameKeysAndValues(section, encoded), "\(definition.modality.rawValue) \(definition.name): \(section.differences(to: encoded))")
        }
        for definition in FusionRegistry.all {
            let section = try ConfigType.object(definition.fields).validate(.object([]), path: "")
            let encoded = ConfigDecoding.encode(definition.decode(section))
            #expect(sameKeysAndValues(section, encoded), "fusion \(definition.name): \(section.differences(to: encoded))")
        }
    }
}
