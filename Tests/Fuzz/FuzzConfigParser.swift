// libFuzzer harness for the config reader (Sources/Support/Config). Not part of `swift test`;
// build and run with `./run-fuzzer.sh config` (see README.md). Compiled into a module named
// Support with the Config sources, so internal helpers are reachable.
import Foundation

/// A schema with every kind of `ConfigType` (the experiment schema lives in Lab, which would
/// pull in the whole engine; validation is the same code whatever the fields). Computed, not a
/// global: enum payloads hide their pointers in spare bits, so LeakSanitizer would report a
/// global schema's boxes as leaks.
var fuzzSchema: ConfigType {
    .object([
        ConfigField("name", .string, default: "exp", "Name."),
        ConfigField("flag", .bool, default: false, "A switch."),
        ConfigField("training", .object([
            ConfigField("lr", .number(min: 0, exclusiveMinimum: true), default: 1e-3, "Learning rate."),
            ConfigField("beta", .number(min: 0, max: 0.999), default: 0.9, "Decay."),
            ConfigField("epochs", .integer(min: 1, max: 10_000), default: 10, "Epochs."),
            ConfigField("schedule", .choice(["cosine", "linear", "constant"]), default: "cosine", "Decay."),
            ConfigField("clip", .optional(.number(min: 0)), "Clipping."),
        ]), "Training."),
        ConfigField("model", .object([
            ConfigField("fusion", .tagged(key: "type", cases: [
                ("attention", "Attention.", [ConfigField("heads", .integer(min: 1), default: 4, "Heads.")]),
                ("concat", "Concatenation.", [ConfigField("hidden", .list(.integer()), default: [], "Widths.")]),
            ], defaultCase: "attention"), "Fusion."),
            ConfigField("weights", .map(.number()), default: .object([]), "Per-modality weights."),
        ]), "Model."),
        ConfigField("seeds", .oneOrList(.integer(min: 0)), default: [0], "Seeds."),
        ConfigField("variants", .map(.list(.string)), default: .object([]), "Variants."),
    ])
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // Every input is also tried as a `--set` override (key=value) on an empty config.
    if let merged = try? ConfigLoader.apply(override: text, to: .object([])) {
        checkValidation(merged)
    }
    let value: JSONValue
    do { value = try JSONParser.parse(text) } catch {
        _ = error.description
        precondition(error.line >= 1 && error.column >= 1, "position \(error.line):\(error.column) out of range")
        return 0
    }
    // The round trip property: rendering gives JSON that parses back to the same value, twice
    // rendered the same way.
    let rendered = value.rendered()
    let again: JSONValue
    do { again = try JSONParser.parse(rendered) } catch {
        fatalError("rendered JSON does not parse: \(error)\n\(rendered)")
    }
    precondition(again == value, "round trip changed the value:\n\(rendered)\n\(again.rendered())")
    precondition(again.rendered() == rendered, "rendering is not stable:\n\(rendered)\n\(again.rendered())")
    // Accessors never trap on any value.
    _ = value.found
    _ = (value.intValue, value.doubleValue, value.stringValue, value.boolValue, value.arrayValue?.count, value.objectPairs?.count)
    for (key, _) in value.objectPairs ?? [] {
        precondition(value[key] != nil, "key \(key) not found by subscript")
        _ = value.at(key)
        _ = value.removing(key)
    }
    // The input as a config layer (a JSON Merge Patch, with its notes) over a small base:
    // applying the same patch twice changes nothing more (RFC 7386 patches are idempotent).
    let base = JSONValue.object([("name", "base"), ("training", ["lr": 0.5, "clip": 1])])
    var notes: [String] = []
    let merged = fuzzSchema.applying(value, to: base, source: "fuzz", notes: &notes)
    precondition(merged.mergePatched(with: value) == merged, "merge patch is not idempotent:\n\(merged.rendered())")
    if value.objectPairs != nil { checkValidation(merged) }
    checkValidation(value)
    return 0
}

/// Validation either fails with a message naming a path, or gives a config that validates again
/// to itself (defaults filled once are not filled differently the second time).
func checkValidation(_ value: JSONValue) {
    do {
        let resolved = try fuzzSchema.validate(value, path: "")
        do {
            let twice = try fuzzSchema.validate(resolved, path: "")
            precondition(twice == resolved, "validation is not idempotent:\n\(resolved.rendered())\n\(twice.rendered())")
        } catch {
            fatalError("a resolved config does not validate: \(error)\n\(resolved.rendered())")
        }
    } catch {
        precondition(!error.message.isEmpty, "empty message at \(error.path)")
        _ = error.description
    }
}
