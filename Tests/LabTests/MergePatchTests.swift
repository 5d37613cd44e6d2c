import Foundation
import Testing
@testable import Lab
@testable import Support

/// Config layers combine by JSON Merge Patch (RFC 7386) everywhere — bases, the file, each
/// `--set`, each variant override: objects merge, `null` deletes (the default applies), anything
/// else replaces. The bug: `"heads": {}` in a derived file kept every base head while
/// `--set model.consistency.heads={}` replaced them; now both are the same no-op, with a note.
@Suite struct MergePatchTests {
    let schema = ExperimentSchema.root
    static let heads = #"{"model": {"consistency": {"heads": {"brand": {"from": "image", "predict": "attributes.brand"}, "#
        + #""device": {"from": "profile", "predict": "sequence.last.device"}}}}}"#

    /// A fresh folder holding `files` (name → text); returns the folder.
    func write(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = (dir as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    func headNames(_ loaded: ConfigLoader.Loaded) -> [String]? { loaded.resolved.at("model.consistency.heads")?.objectPairs?.map(\.0) }

    static let emptyHeadsNote = "model.consistency.heads: {} over a non-empty object changes nothing under JSON Merge Patch; "
        + "did you mean null (remove it, default {})?"

    @Test func rfc7386AppendixExamples() throws {
        let cases: [(String, String, String)] = [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, "null", "null"),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ]
        for (original, patch, result) in cases {
            let merged = try JSONParser.parse(original).mergePatched(with: try JSONParser.parse(patch))
            #expect(merged == (try JSONParser.parse(result)), "\(original) + \(patch) gave \(merged.oneLine)")
        }
        #expect(JSONValue.patch(setting: ["a", "b"], to: nil) == ["a": ["b": nil]])
    }

    @Test func emptyObjectOverABaseObjectIsANoOpWithANoteNamingTheFileAndPath() throws {
        let dir = try write(["base.json": Self.heads, "e.json": #"{"extends": "base.json", "model": {"consistency": {"heads": {}}}}"#])
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", schema: schema)
        #expect(headNames(loaded) == ["brand", "device"])
        #expect(loaded.notes == ["\(dir)/e.json: " + Self.emptyHeadsNote], "\(loaded.notes)")
        // Over nothing, {} is what it says: no note.
        let alone = try ConfigLoader.loadAll(path: try write(["e.json": #"{"model": {"consistency": {"heads": {}}}}"#]) + "/e.json", schema: schema)
        #expect(alone.notes.isEmpty && headNames(alone) == [])
    }

    @Test func nullInADerivedFileDeletesTheBasesHeads() throws {
        let dir = try write(["base.json": Self.heads, "e.json": #"{"extends": "base.json", "model": {"consistency": {"heads": null}}}"#])
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", schema: schema)
        #expect(headNames(loaded) == [] && loaded.notes.isEmpty, "\(loaded.notes)")
        // One head at a time, too.
        let one = try ConfigLoader.loadAll(path: dir + "/base.json", overrides: ["model.consistency.heads.brand=null"], schema: schema)
        #expect(headNames(one) == ["device"])
    }

    @Test func setNullDeletesSoTheDefaultApplies() throws {
        let dir = try write(["base.json": Self.heads,
                             "e.json": #"{"extends": "base.json", "training": {"optimizer": {"lr": 0.05}}, "description": "x"}"#])
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", overrides: ["model.consistency.heads=null", "training.optimizer.lr=null",
                                                                                 "description=null"], schema: schema)
        #expect(headNames(loaded) == [])
        #expect(loaded.resolved.at("training.optimizer.lr") == 1e-3)
        #expect(loaded.resolved["description"] == .null)
        #expect(loaded.notes.isEmpty, "\(loaded.notes)")
    }

    @Test func setEmptyObjectOverANonEmptyBaseIsTheSameNoOpAsInAFile() throws {
        let dir = try write(["e.json": Self.heads])
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", overrides: ["model.consistency.heads={}"], schema: schema)
        #expect(headNames(loaded) == ["brand", "device"])
        #expect(loaded.notes == ["--set model.consistency.heads={}: " + Self.emptyHeadsNote], "\(loaded.notes)")
    }

    /// Each layer patches the ones before it, a base's own bases first: a later sibling base's
    /// `null` deletes what an earlier one set.
    @Test func nestedMergeThroughThreeExtendsLayers() throws {
        let dir = try write([
            "a.json": #"{"training": {"optimizer": {"type": "sgd", "lr": 0.1}, "schedule": {"decay": "linear", "min_ratio": 0.3}}}"#,
            "b.json": #"{"extends": "a.json", "training": {"optimizer": {"momentum": 0.5}, "schedule": {"min_ratio": 0.2}}}"#,
            "c.json": #"{"extends": "b.json", "training": {"optimizer": {"lr": null}, "schedule": {"warmup_fraction": 0.1}}}"#,
            "later.json": #"{"training": {"schedule": {"min_ratio": null}}}"#,
            "e.json": #"{"extends": ["c.json", "later.json"], "training": {"schedule": {"decay": null}, "epochs": 4}}"#,
        ])
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", schema: schema)
        #expect(loaded.resolved.at("training.optimizer") == ["type": "sgd", "lr": 0.01, "momentum": 0.5, "weight_decay": 0.0])
        #expect(loaded.resolved.at("training.schedule") == ["warmup_fraction": 0.1, "decay": "cosine", "min_ratio": 0.05])
        #expect(loaded.resolved.at("training.epochs") == 4 && loaded.notes.isEmpty, "\(loaded.notes)")
    }

    @Test func anArrayReplacesEvenAnEmptyOne() throws {
        let dir = try write(["base.json": #"{"model": {"consistency": {"hidden": [64, 32]}}, "evaluation": {"precision_at_k": [5, 10]}}"#,
                             "e.json": #"{"extends": "base.json", "model": {"consistency": {"hidden": [16]}}, "evaluation": {"precision_at_k": []}}"#])
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", overrides: ["model.consistency.evidence_hidden=[8]"], schema: schema)
        #expect(loaded.resolved.at("model.consistency.hidden") == [16])
        #expect(loaded.resolved.at("evaluation.precision_at_k") == [])
        #expect(loaded.resolved.at("model.consistency.evidence_hidden") == [8])
        #expect(loaded.notes.isEmpty, "\(loaded.notes)")
        // A null inside a list is a value, not a deletion: validation names it.
        #expect(throws: ConfigError(path: "seeds[1]", message: "expected a whole number, found null", file: dir + "/e.json")) {
            try ConfigLoader.load(path: dir + "/e.json", overrides: ["seeds=[1, null]"], schema: schema)
        }
    }

    @Test func clipNormZeroDecodesToNoClipping() throws {
        let dir = try write(["e.json": #"{"training": {"clip_norm": 0}}"#])
        let off = try ConfigLoader.load(path: dir + "/e.json", schema: schema)
        let training = ConfigDecoding.decode(TrainingOptions.self, from: off["training"]!)
        #expect(training.clipNorm == 0 && training.maxGradientNorm == nil)
        let on = ConfigDecoding.decode(TrainingOptions.self, from: try ConfigLoader.load(path: dir + "/e.json", overrides: ["training.clip_norm=2.5"],
                                                                                          schema: schema)["training"]!)
        #expect(on.maxGradientNorm == 2.5)
        // null no longer means off: it deletes the key, the default 1 applies, and a note says so.
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", overrides: ["training.clip_norm=null"], schema: schema)
        #expect(ConfigDecoding.decode(TrainingOptions.self, from: loaded.resolved["training"]!).maxGradientNorm == 1)
        #expect(loaded.notes == ["--set training.clip_norm=null: training.clip_norm: null deletes the key under JSON Merge Patch, "
                                 + "so its default 1 applies; did you mean 0 (off)?"], "\(loaded.notes)")
    }

    @Test func aVariantOverrideWithNullBehavesLikeSet() throws {
        let dir = try write(["base.json": Self.heads, "e.json": #"""
            {"extends": "base.json", "variants": {"none": ["model.consistency.heads=null"], "empty": ["model.consistency.heads={}"]}}
            """#])
        let loaded = try ConfigLoader.loadAll(path: dir + "/e.json", schema: schema)
        let none = try Study.variantConfig(loaded, "none")
        let commandLine = try ConfigLoader.load(path: dir + "/e.json", overrides: ["model.consistency.heads=null"], schema: schema)
        #expect(none.resolved == commandLine.setting(["variants"], to: .object([])), "\(none.resolved.differences(to: commandLine))")
        #expect(none.resolved.at("model.consistency.heads") == .object([]) && none.notes.isEmpty)
        let empty = try Study.variantConfig(loaded, "empty")
        #expect(empty.resolved.at("model.consistency.heads")?.objectPairs?.map(\.0) == ["brand", "device"])
        #expect(empty.notes == ["--set model.consistency.heads={}: " + Self.emptyHeadsNote], "\(empty.notes)")
    }

    /// A resolved config (what a run writes as config.json) loads back to itself: its nulls are
    /// fields whose default is null, so deleting them changes nothing.
    @Test func aResolvedConfigLoadsBackToItself() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let loaded = try ConfigLoader.loadAll(path: root + "/Experiments/consistency.json", overrides: ["training.clip_norm=0"], schema: schema)
        let resolvedConfigs = [loaded.resolved] + (try loaded.resolved["variants"]!.objectPairs!.map { try Study.variantConfig(loaded, $0.0).resolved })
        #expect(resolvedConfigs.contains { $0.at("model.consistency.heads") == .object([]) })
        for resolved in resolvedConfigs {
            #expect(resolved.at("description") != nil && resolved.at("data.split.folds") == .null)
            let dir = try write(["config.json": resolved.rendered()])
            let again = try ConfigLoader.loadAll(path: dir + "/config.json", schema: schema)
            #expect(again.resolved == resolved && again.resolved.fingerprint == resolved.fingerprint, "\(again.resolved.differences(to: resolved))")
            #expect(again.notes.isEmpty, "\(again.notes)")
        }
    }

    /// Once layers are merged no key holds null, so an optional field's default must be null:
    /// a field that is on by default spells off with a value (`off`), like `clip_norm: 0`.
    @Test func noOptionalFieldHasANonNullDefault() {
        func walk(_ type: ConfigType, _ path: String) -> [String] {
            switch type {
            case let .object(fields):
                return fields.flatMap { f -> [String] in
                    let p = path.isEmpty ? f.name : "\(path).\(f.name)"
                    var bad = walk(f.type, p)
                    if case .optional = f.type, let d = f.defaultValue, d != .null { bad.append(p) }
                    if let off = f.off, (try? f.type.validate(off, path: p)) == nil { bad.append("\(p) (off value invalid)") }
                    return bad
                }
            case let .optional(inner), let .checked(inner, _), let .map(inner), let .list(inner), let .oneOrList(inner): return walk(inner, path)
            case let .tagged(_, cases, _): return cases.flatMap { walk(.object($0.fields), path) }
            default: return []
            }
        }
        #expect(walk(schema, "") == [])
    }
}
