import Support

/// JSON on one line, numbers with full round-trip precision (a score reads back as the same
/// Double), non-finite numbers as null (JSON has none).
enum CompactJSON {
    static func render(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(d): out += d.isFinite ? JSONValue.format(d) : "null"
        case let .string(s): out += JSONValue.quote(s)
        case let .array(items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (k, pair) in pairs.enumerated() {
                if k > 0 { out += "," }
                out += JSONValue.quote(pair.0)
                out += ":"
                write(pair.1, into: &out)
            }
            out += "}"
        }
    }

}
