/// The declared shape of a config: every key, its type, default and meaning. Validation,
/// default filling and docs/CONFIG.md all come from this one description, so they cannot drift.
public indirect enum ConfigType: Sendable {
    case bool
    case integer(min: Int? = nil, max: Int? = nil)
    case number(min: Double? = nil, max: Double? = nil, exclusiveMinimum: Bool = false)
    case string
    case choice([String])
    case list(ConfigType)
    /// One value or a list of them (`seeds: 1` or `seeds: [1, 2, 3]`); validated as a list.
    case oneOrList(ConfigType)
    case object([ConfigField])
    /// Free keys, each value of the given type (per-modality weights and the like).
    case map(ConfigType)
    /// An object whose `key` field picks which set of fields applies (an encoder `type`).
    case tagged(key: String, cases: [(name: String, doc: String, fields: [ConfigField])], defaultCase: String)
    /// Absent by default; when present, of the wrapped type.
    case optional(ConfigType)
    /// The wrapped type, then a rule over its resolved value that no single field can state
    /// (shares that must sum to 1).
    case checked(ConfigType, ConfigRule)
}

/// A rule over a resolved value: `problem` says what is wrong (nil: nothing), `doc` states the
/// rule in docs/CONFIG.md.
public struct ConfigRule: Sendable {
    public var doc: String
    public var problem: @Sendable (JSONValue) -> String?

    public init(_ doc: String, problem: @escaping @Sendable (JSONValue) -> String?) { self.doc = doc; self.problem = problem }
}

public struct ConfigField: Sendable {
    public var name: String
    public var type: ConfigType
    public var defaultValue: JSONValue?
    /// The value that switches the option off when its default is on (`clip_norm: 0`). Layers
    /// merge by JSON Merge Patch, where `null` deletes a key — so it brings the default back and
    /// cannot mean off; a `null` given for a field with an `off` value gets a note naming it.
    public var off: JSONValue?
    public var doc: String

    public init(_ name: String, _ type: ConfigType, default defaultValue: JSONValue? = nil, off: JSONValue? = nil, _ doc: String) {
        self.name = name; self.type = type; self.defaultValue = defaultValue; self.off = off; self.doc = doc
    }
}

/// A config problem, named by its JSON path (`model.fusion.type`) with what would fix it.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var message: String
    public var file: String?

    public init(path: String, message: String, file: String? = nil) { self.path = path; self.message = message; self.file = file }

    public var description: String {
        (file.map { "\($0): " } ?? "") + (path.isEmpty ? message : "\(path): \(message)")
    }
}

extension ConfigType {
    /// Checks `value` (nil = absent) and returns it with every default filled in.
    public func validate(_ value: JSONValue?, path: String) throws(ConfigError) -> JSONValue {
        func fail(_ message: String) -> ConfigError { ConfigError(path: path, message: message) }
        switch self {
        case let .optional(inner):
            guard let value, value != .null else { return .null }
            return try inner.validate(value, path: path)
        default: break
        }
        guard let value else { throw fail("is required") }
        switch self {
        case .bool:
            guard case .bool = value else { throw fail("expected true or false, found \(value.found)") }
            return value
        case let .integer(min, max):
            guard case let .number(d) = value, d.isFinite else { throw fail("expected a whole number, found \(value.found)") }
            guard d == d.rounded() else { throw fail("found \(JSONValue.format(d)), not a whole number") }
            if let min, d < Double(min) { throw fail("\(JSONValue.format(d)) is below the minimum \(min)") }
            if let max, d > Double(max) { throw fail("\(JSONValue.format(d)) is above the maximum \(max)") }
            let limit = Int(JSONValue.largestWholeNumber)
            if d > JSONValue.largestWholeNumber { throw fail("found \(JSONValue.format(d)), larger than the largest whole number allowed (\(limit))") }
            if d < -JSONValue.largestWholeNumber { throw fail("found \(JSONValue.format(d)), smaller than the smallest whole number allowed (-\(limit))") }
            return value
        case let .number(min, max, exclusive):
            guard let d = value.doubleValue, d.isFinite else { throw fail("expected a number, found \(value.found)") }
            if let min, exclusive ? d <= min : d < min { throw fail("\(JSONValue.format(d)) must be \(exclusive ? "greater than" : "at least") \(JSONValue.format(min))") }
            if let max, d > max { throw fail("\(JSONValue.format(d)) is above the maximum \(JSONValue.format(max))") }
            return value
        case .string:
            guard case .string = value else { throw fail("expected a string, found \(value.found)") }
            return value
        case let .choice(options):
            guard let s = value.stringValue else { throw fail("expected one of \(options.joined(separator: ", ")), found \(value.found)") }
            guard options.contains(s) else { throw fail("\"\(s)\" is not one of \(options.joined(separator: ", "))\(Self.suggestion(s, options))") }
            return value
        case let .list(inner), let .oneOrList(inner):
            var items: [JSONValue]
            if let a = value.arrayValue { items = a }
            else if case .oneOrList = self { items = [value] }
            else { throw fail("expected a list, found \(value.found)") }
            for k in items.indices { items[k] = try inner.validate(items[k], path: "\(path)[\(k)]") }
            return .array(items)
        case let .map(inner):
            guard let pairs = value.objectPairs else { throw fail("expected an object, found \(value.found)") }
            var out: [(String, JSONValue)] = []
            for (k, v) in pairs { out.append((k, try inner.validate(v, path: Self.join(path, k)))) }
            return .object(out)
        case let .object(fields):
            return try Self.validateFields(fields, value, path: path, extraAllowed: [])
        case let .tagged(key, cases, defaultCase):
            guard value.objectPairs != nil else { throw fail("expected an object, found \(value.found)") }
            let names = cases.map(\.name)
            let tag: String
            if let t = value[key] {
                guard let s = t.stringValue else { throw ConfigError(path: Self.join(path, key), message: "expected one of \(names.joined(separator: ", ")), found \(t.found)") }
                guard names.contains(s) else {
                    throw ConfigError(path: Self.join(path, key), message: "\"\(s)\" is not one of \(names.joined(separator: ", "))\(Self.suggestion(s, names))")
                }
                tag = s
            } else { tag = defaultCase }
            let fields = cases.first { $0.name == tag }!.fields
            // Options another type inherited from earlier layers were dropped when the layers
            // were merged (`droppingOptionsOfSwitchedTypes`); one still here was given beside this
            // type, so it is a mistake, named with the type it belongs to.
            let active = Set(fields.map(\.name))
            for (k, _) in value.objectPairs ?? [] where k != key && !active.contains(k) {
                guard let owner = cases.first(where: { c in c.fields.contains { $0.name == k } }) else { continue }
                throw ConfigError(path: Self.join(path, k), message: "is an option of \(key) \(owner.name), not of \(tag); "
                                  + "valid keys for \(tag): \(([key] + fields.map(\.name)).joined(separator: ", "))")
            }
            let rest = try Self.validateFields(fields, value.removing(key), path: path, extraAllowed: [])
            return .object([(key, .string(tag))] + (rest.objectPairs ?? []))
        case let .checked(inner, rule):
            let resolved = try inner.validate(value, path: path)
            if let problem = rule.problem(resolved) { throw fail(problem) }
            return resolved
        case .optional: fatalError("handled above")
        }
    }

    static func validateFields(_ fields: [ConfigField], _ value: JSONValue, path: String, extraAllowed: Set<String>) throws(ConfigError) -> JSONValue {
        guard let pairs = value.objectPairs else {
            throw ConfigError(path: path, message: "expected an object, found \(value.found)")
        }
        let known = fields.map(\.name)
        for (k, _) in pairs where !known.contains(k) && !extraAllowed.contains(k) {
            throw ConfigError(path: join(path, k), message: "unknown key\(suggestion(k, known)); valid keys here: \(known.joined(separator: ", "))")
        }
        var out: [(String, JSONValue)] = []
        for field in fields {
            let given = pairs.first { $0.0 == field.name }?.1
            let resolved = try field.type.validate(given ?? field.defaultValue ?? defaultFor(field.type), path: join(path, field.name))
            out.append((field.name, resolved))
        }
        return .object(out)
    }

    /// Objects and tagged objects fill from their own field defaults; optional values are null.
    static func defaultFor(_ type: ConfigType) -> JSONValue? {
        switch type {
        case .object, .tagged: .object([])
        case .optional: .null
        case let .checked(inner, _): defaultFor(inner)
        default: nil
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// " (did you mean \"x\"?)" when a valid name is a small edit away.
    static func suggestion(_ given: String, _ options: [String]) -> String {
        // An abbreviation ("attn" for "attention") is the letters of a name, in order.
        let g = Array(given.lowercased())
        if g.count >= 2, let abbreviated = options.first(where: { o in
            var it = Array(o.lowercased()).makeIterator()
            return o.lowercased().first == g.first && g.allSatisfy { c in while let x = it.next() { if x == c { return true } }; return false }
        }) {
            return " (did you mean \"\(abbreviated)\"?)"
        }
        let best = options.map { ($0, editDistance(given.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, given.count / 3) else { return "" }
        return " (did you mean \"\(best.0)\"?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
