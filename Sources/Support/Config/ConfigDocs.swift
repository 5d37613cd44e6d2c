/// Markdown reference of a config schema: one row per key, with its type, default and meaning.
public enum ConfigDocs {
    public static func markdown(_ root: ConfigType, title: String, intro: String) -> String {
        var lines = ["# \(title)", "", intro, "", "| key | type | default | meaning |", "|---|---|---|---|"]
        walk(root, path: "", into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    static func walk(_ type: ConfigType, path: String, into lines: inout [String]) {
        switch type {
        case let .object(fields):
            for f in fields {
                let p = path.isEmpty ? f.name : "\(path).\(f.name)"
                let doc = f.doc + (f.off.map { " `\($0.oneLine)`: off." } ?? "") + (rule(f.type).map { " \($0.doc)" } ?? "")
                if isContainer(f.type) {
                    lines.append("| **`\(p)`** | \(describe(f.type)) | | \(doc) |")
                } else {
                    lines.append("| `\(p)` | \(describe(f.type)) | \(f.defaultValue.map { "`\($0.rendered())`" } ?? (isOptional(f.type) ? "null" : "required")) | \(doc) |")
                }
                walk(f.type, path: p, into: &lines)
            }
        case let .optional(inner), let .checked(inner, _): walk(inner, path: path, into: &lines)
        case let .tagged(key, cases, defaultCase):
            lines.append("| `\(path).\(key)` | one of \(cases.map { "`\($0.name)`" }.joined(separator: ", ")) | `\"\(defaultCase)\"` | Picks the variant; its options follow. |")
            for c in cases {
                lines.append("| *\(path).\(key) = \(c.name)* | | | \(c.doc) |")
                walk(.object(c.fields), path: path, into: &lines)
            }
        default: break
        }
    }

    static func isContainer(_ t: ConfigType) -> Bool {
        switch t {
        case .object, .tagged: true
        case let .optional(inner), let .checked(inner, _): isContainer(inner)
        default: false
        }
    }

    static func isOptional(_ t: ConfigType) -> Bool {
        switch t {
        case .optional: true
        case let .checked(inner, _): isOptional(inner)
        default: false
        }
    }

    static func rule(_ t: ConfigType) -> ConfigRule? {
        switch t {
        case let .checked(_, rule): rule
        case let .optional(inner): rule(inner)
        default: nil
        }
    }

    static func describe(_ t: ConfigType) -> String {
        switch t {
        case .bool: "boolean"
        case let .integer(min, max): "integer" + range(min.map(Double.init), max.map(Double.init))
        case let .number(min, max, exclusive): "number" + range(min, max, exclusive)
        case .string: "string"
        case let .choice(options): "one of " + options.map { "`\($0)`" }.joined(separator: ", ")
        case let .list(inner): "list of " + describe(inner)
        case let .oneOrList(inner): describe(inner) + " or a list of them"
        case .object: "object"
        case let .map(inner): "object of " + describe(inner)
        case .tagged: "object with `type`"
        case let .optional(inner): describe(inner) + " or null"
        case let .checked(inner, _): describe(inner)
        }
    }

    static func range(_ min: Double?, _ max: Double?, _ exclusive: Bool = false) -> String {
        switch (min, max) {
        case let (a?, b?): " in \(exclusive ? "(" : "[")\(JSONValue.format(a)), \(JSONValue.format(b))]"
        case let (a?, nil): exclusive ? " > \(JSONValue.format(a))" : " ≥ \(JSONValue.format(a))"
        case let (nil, b?): " ≤ \(JSONValue.format(b))"
        default: ""
        }
    }
}
