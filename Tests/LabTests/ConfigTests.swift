import Foundation
import Testing
@testable import Lab
@testable import Support

@Suite struct ConfigTests {
    let schema = ConfigType.object([
        ConfigField("name", .string, default: "exp", "Experiment name."),
        ConfigField("training", .object([
            ConfigField("lr", .number(min: 0, exclusiveMinimum: true), default: 1e-3, "Learning rate."),
            ConfigField("epochs", .integer(min: 1), default: 10, "Epochs."),
            ConfigField("schedule", .choice(["cosine", "linear", "constant"]), default: "cosine", "Decay."),
        ]), "Training."),
        ConfigField("model", .object([
            ConfigField("fusion", .tagged(key: "type", cases: [
                ("attention", "Dynamic attention.", [ConfigField("heads", .integer(min: 1), default: 4, "Heads.")]),
                ("concat", "Concatenation.", []),
            ], defaultCase: "attention"), "Fusion."),
        ]), "Model."),
        ConfigField("seeds", .oneOrList(.integer(min: 0)), default: [.number(0)], "Seeds."),
        ConfigField("note", .optional(.string), "Free text."),
    ])

    func write(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = (dir as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func defaultsFileAndCommandLineInThatOrder() throws {
        let dir = try write([
            "Configs/base.json": #"{"training": {"lr": 0.01, "epochs": 3}, "model": {"fusion": {"type": "concat"}}}"#,
            "Configs/more.json": #"{"training": {"epochs": 5}}"#,
            "Experiments/e.json": #"{"extends": ["../Configs/base.json", "../Configs/more.json"], "name": "e", "training": {"schedule": "linear"}, "seeds": 7}"#,
        ])
        let c = try ConfigLoader.load(path: dir + "/Experiments/e.json", overrides: ["training.lr=3e-4", "model.fusion.type=attention"], schema: schema)
        #expect(c["name"] == .string("e"))
        #expect(c["training"]?["lr"] == .number(3e-4))            // command line beats the file
        #expect(c["training"]?["epochs"] == .number(5))           // later base beats earlier
        #expect(c["training"]?["schedule"] == .string("linear"))  // file beats bases
        #expect(c["model"]?["fusion"]?["heads"] == .number(4))    // default filled for the chosen case
        #expect(c["seeds"] == .array([.number(7)]))               // one value becomes a list
        #expect(c["note"] == .null)
    }

    func expectError(_ json: String, overrides: [String] = [], path: String, containing: String) throws {
        let dir = try write(["e.json": json])
        do {
            _ = try ConfigLoader.load(path: dir + "/e.json", overrides: overrides, schema: schema)
            Issue.record("expected an error for \(json)")
        } catch {
            #expect(error.path == path, "\(error)")
            #expect(error.message.contains(containing), "\(error)")
            #expect(error.description.hasPrefix(overrides.isEmpty || path != overrides.first ? dir + "/e.json: " : "--set "))
        }
    }

    @Test func validationErrorsNameThePathAndTheChoices() throws {
        try expectError(#"{"model": {"fusion": {"type": "attn"}}}"#, path: "model.fusion.type",
                        containing: "\"attn\" is not one of attention, concat (did you mean \"attention\"?)")
        try expectError(#"{"trainng": {}}"#, path: "trainng", containing: "unknown key (did you mean \"training\"?)")
        try expectError(#"{"training": {"lr": -1}}"#, path: "training.lr", containing: "must be greater than 0")
        try expectError(#"{"training": {"epochs": 2.5}}"#, path: "training.epochs", containing: "not a whole number")
        try expectError(#"{"training": {"epochs": "10"}}"#, path: "training.epochs", containing: "found a string")
        try expectError(#"{"seeds": [1, -2]}"#, path: "seeds[1]", containing: "below the minimum 0")
        try expectError(#"{"model": {"fusion": {"type": "concat", "hedas": 2}}}"#, path: "model.fusion.hedas", containing: "unknown key")
        try expectError("{}", overrides: ["training.schedule=cosin"], path: "training.schedule", containing: "did you mean \"cosine\"")
        try expectError("{}", overrides: ["training"], path: "training", containing: "key.path=value")
    }

    @Test func switchingATaggedTypeDropsTheOtherTypesOptions() throws {
        let dir = try write(["e.json": #"{"model": {"fusion": {"type": "attention", "heads": 2}}}"#])
        let c = try ConfigLoader.load(path: dir + "/e.json", overrides: ["model.fusion.type=concat"], schema: schema)
        #expect(c["model"]?["fusion"] == ["type": "concat"])
    }

    @Test func syntaxAndFileErrors() throws {
        try expectError("{\n  \"name\": \"x\",\n}", path: "", containing: "line 2, column 14")
        try expectError(#"{"a": 1, "a": 2}"#, path: "", containing: "duplicate key \"a\"")
        try expectError(#"{"extends": "missing.json"}"#, path: "extends", containing: "not found")
        let dir = try write(["a.json": #"{"extends": "b.json"}"#, "b.json": #"{"extends": "a.json"}"#])
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: dir + "/a.json", schema: schema) }
    }

    @Test func jsonRoundTripKeepsOrderAndPrecision() throws {
        let text = #"{"z": 1, "a": [1.5, 0.1, -3e-7], "s": "q\"\n\u00e9", "n": null, "t": true}"#
        let v = try JSONParser.parse(text)
        #expect(v.objectPairs?.map(\.0) == ["z", "a", "s", "n", "t"])
        #expect(try JSONParser.parse(v.rendered()) == v)
        #expect(v["s"] == .string("q\"\né"))
    }
}
