import Foundation

/// Reads a config file: resolves `extends` (a path or list of paths relative to the file; each
/// base's own bases come first), applies `--set a.b=value` overrides, then validates against the
/// schema and fills defaults. Precedence: defaults < bases < file < command line. Every layer —
/// each base, the file, each `--set` — is a JSON Merge Patch (RFC 7386) over the layers before it
/// (`ConfigType.applying`): objects merge key by key, `null` deletes a key so its default applies,
/// anything else replaces. A layer switching a `type` drops the options of the old type the new
/// one does not accept (see `ConfigType.droppingOptionsOfSwitchedTypes`), with a note.
public enum ConfigLoader {
    /// A loaded config: the layers merged (`merged`, before defaults — what variants build on, so
    /// a variant's overrides act exactly as the same `--set` list would), the validated config
    /// with every default filled in, and notes (dropped options, spellings merge patch reads
    /// otherwise than they look), each naming its file or `--set`.
    public struct Loaded: Sendable {
        public var merged: JSONValue
        public var resolved: JSONValue
        public var notes: [String]

        public init(merged: JSONValue, resolved: JSONValue, notes: [String]) { self.merged = merged; self.resolved = resolved; self.notes = notes }
    }

    public static func load(path: String, overrides: [String] = [], schema: ConfigType) throws(ConfigError) -> JSONValue {
        try loadAll(path: path, overrides: overrides, schema: schema).resolved
    }

    public static func loadAll(path: String, overrides: [String] = [], schema: ConfigType) throws(ConfigError) -> Loaded {
        var notes: [String] = []
        var merged = JSONValue.object([])
        for layer in try layers(path: path, chain: []) {
            merged = schema.applying(layer.patch, to: merged, source: layer.file, notes: &notes)
        }
        do { merged = try apply(overrides: overrides, to: merged, schema: schema, notes: &notes) } catch {
            var e = error
            if e.file == nil { e.file = path }
            throw e
        }
        do {
            return Loaded(merged: merged, resolved: try schema.validate(merged, path: ""), notes: notes)
        } catch {
            var e = error
            e.file = path
            throw e
        }
    }

    /// `overrides` applied in order, each the merge patch `{"a": {"b": value}}` over the previous
    /// layers; an error or note names its `--set`.
    public static func apply(overrides: [String], to config: JSONValue, schema: ConfigType, notes: inout [String]) throws(ConfigError) -> JSONValue {
        var merged = config
        for override in overrides {
            do {
                let (path, value) = try parse(override: override)
                merged = schema.applying(JSONValue.patch(setting: path, to: value), to: merged, source: "--set \(override)", notes: &notes)
            } catch {
                var e = error
                e.file = "--set \(override)"
                throw e
            }
        }
        return merged
    }

    /// The layers of the file at `path` in the order they apply: each base's layers (its own
    /// bases first), in `extends` order, then the file's own keys.
    static func layers(path: String, chain: [String]) throws(ConfigError) -> [(file: String, patch: JSONValue)] {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if chain.contains(absolute) {
            throw ConfigError(path: "extends", message: "circular extends: \((chain + [absolute]).joined(separator: " → "))", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(path: "", message: "config file not found or not UTF-8 text", file: path)
        }
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch {
            throw ConfigError(path: "", message: "invalid JSON at \(error)", file: path)
        }
        guard json.objectPairs != nil else { throw ConfigError(path: "", message: "the top level must be an object", file: path) }
        var bases: [String] = []
        switch json["extends"] {
        case nil: break
        case let .string(s)?: bases = [s]
        case let .array(items)?:
            for (k, item) in items.enumerated() {
                guard let s = item.stringValue else { throw ConfigError(path: "extends[\(k)]", message: "expected a path string, found \(item.found)", file: path) }
                bases.append(s)
            }
        case let other?: throw ConfigError(path: "extends", message: "expected a path or a list of paths, found \(other.found)", file: path)
        }
        let directory = (path as NSString).deletingLastPathComponent
        var layers: [(file: String, patch: JSONValue)] = []
        for base in bases {
            let basePath = base.hasPrefix("/") ? base : (directory as NSString).appendingPathComponent(base)
            guard FileManager.default.fileExists(atPath: basePath) else {
                throw ConfigError(path: "extends", message: "base config \"\(base)\" not found (looked at \(basePath))", file: path)
            }
            layers += try Self.layers(path: basePath, chain: chain + [absolute])
        }
        return layers + [(path, json.removing("extends"))]
    }

    /// `a.b.c=value`: the value is read as JSON when it parses (numbers, booleans, lists),
    /// otherwise as a plain string — except a number too large for a float, and text opening
    /// with `[` or `{` that is not valid JSON: those are errors, not strings nobody meant. The
    /// override is laid over `config` as a merge patch, without a schema (no notes, no type switches).
    public static func apply(override: String, to config: JSONValue) throws(ConfigError) -> JSONValue {
        let (path, value) = try parse(override: override)
        return config.mergePatched(with: JSONValue.patch(setting: path, to: value))
    }

    /// The dotted path and JSON value of `a.b.c=value`.
    static func parse(override: String) throws(ConfigError) -> (path: [String], value: JSONValue) {
        guard let eq = override.firstIndex(of: "=") else {
            throw ConfigError(path: override, message: "an override is key.path=value, e.g. --set training.optimizer.lr=3e-4")
        }
        let key = String(override[..<eq]), raw = String(override[override.index(after: eq)...])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigError(path: key, message: "an override key is a dotted path such as model.fusion.type")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(raw) } catch {
            if let d = Double(raw), d.isInfinite, raw.allSatisfy({ "0123456789+-.eE".contains($0) }) {
                throw ConfigError(path: key, message: JSONParser.tooLarge(raw))
            }
            if raw.hasPrefix("[") || raw.hasPrefix("{") {
                throw ConfigError(path: key, message: "invalid JSON at column \(error.column): \(error.message)")
            }
            value = .string(raw)
        }
        return (path, value)
    }
}
