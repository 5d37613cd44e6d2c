/// A JSON value that keeps object keys in file order (so a resolved config reads like its
/// source) and tells integers from other numbers.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case let .object(pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var objectPairs: [(String, JSONValue)]? { if case let .object(p) = self { p } else { nil } }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { a } else { nil } }
    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    public var doubleValue: Double? { if case let .number(d) = self { d } else { nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { b } else { nil } }
    public var intValue: Int? {
        if case let .number(d) = self, d == d.rounded(), Swift.abs(d) <= JSONValue.largestWholeNumber { return Int(d) }
        return nil
    }

    /// 2^53: beyond it a 64-bit float no longer holds every whole number, so a config's whole
    /// numbers stop there.
    public static let largestWholeNumber: Double = 9_007_199_254_740_992

    /// A short name of the value's kind, for messages.
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value as a message reports what was found: `null`, `infinity`, `a number 2.5`,
    /// `a string "10"`, `an object {"a": 1}` (on one line, cut after about 60 characters).
    public var found: String {
        switch self {
        case .null: return "null"
        case let .number(d) where !d.isFinite: return d.isNaN ? "NaN" : d > 0 ? "infinity" : "negative infinity"
        case .array, .object:
            let text = oneLine
            return "\(kind) " + (text.count > 60 ? text.prefix(57) + "…" : text)
        default: return "\(kind) \(rendered())"
        }
    }

    /// The rendering on one line (`{"a": 1, "b": [1, 2]}`), for messages.
    public var oneLine: String {
        rendered().split(separator: "\n").map { $0.drop { $0 == " " } }.joined(separator: " ")
            .replacingOccurrences(of: "[ ", with: "[").replacingOccurrences(of: "{ ", with: "{")
            .replacingOccurrences(of: " ]", with: "]").replacingOccurrences(of: " }", with: "}")
    }

    /// Sets the value at a dotted path, creating objects on the way (a plain write, not a config
    /// layer: layers combine by `mergePatched(with:)`).
    public func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var pairs = objectPairs ?? []
        let rest = Array(path.dropFirst())
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = pairs[i].1.setting(rest, to: value) }
        else { pairs.append((key, JSONValue.object([]).setting(rest, to: value))) }
        return .object(pairs)
    }

    public func removing(_ key: String) -> JSONValue {
        guard case let .object(pairs) = self else { return self }
        return .object(pairs.filter { $0.0 != key })
    }

    /// Pretty-printed JSON with two-space indents, keys in order.
    public func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .number(d): return JSONValue.format(d)
        case let .string(s): return JSONValue.quote(s)
        case let .array(a):
            if a.isEmpty { return "[]" }
            if a.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }) {
                return "[" + a.map { $0.rendered() }.joined(separator: ", ") + "]"
            }
            return "[\n" + a.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case let .object(p):
            if p.isEmpty { return "{}" }
            return "{\n" + p.map { inner + JSONValue.quote($0.0) + ": " + $0.1.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "}"
        }
    }

    /// Integers without a fraction; other numbers with full round-trip precision.
    public static func format(_ d: Double) -> String {
        if d == d.rounded() && Swift.abs(d) < 1e15 { return String(Int(d)) }
        return d.description
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

import Foundation

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }
}

/// Typed reads of a validated config (the schema has already checked types and filled
/// defaults, so a failed read is a programmer error: the key is missing from the schema).
extension JSONValue {
    public func int(_ key: String) -> Int {
        guard let v = self[key]?.intValue else { preconditionFailure("config key \(key) is not a validated integer") }
        return v
    }
    public func double(_ key: String) -> Double {
        guard let v = self[key]?.doubleValue else { preconditionFailure("config key \(key) is not a validated number") }
        return v
    }
    public func float(_ key: String) -> Float { Float(double(key)) }
    public func string(_ key: String) -> String {
        guard let v = self[key]?.stringValue else { preconditionFailure("config key \(key) is not a validated string") }
        return v
    }
    public func bool(_ key: String) -> Bool {
        guard let v = self[key]?.boolValue else { preconditionFailure("config key \(key) is not a validated boolean") }
        return v
    }
    public func ints(_ key: String) -> [Int] {
        guard let a = self[key]?.arrayValue else { preconditionFailure("config key \(key) is not a validated list") }
        return a.map { $0.intValue! }
    }
    public func strings(_ key: String) -> [String] {
        guard let a = self[key]?.arrayValue else { preconditionFailure("config key \(key) is not a validated list") }
        return a.map { $0.stringValue! }
    }
    /// The value at a dotted path (`model.fusion.type`).
    public func at(_ path: String) -> JSONValue? {
        path.split(separator: ".").reduce(Optional(self)) { $0?[String($1)] }
    }
}
