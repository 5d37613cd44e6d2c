/// A small strict JSON parser (RFC 8259) whose errors give line and column, and which keeps key
/// order. Duplicate keys are an error: in a config they are almost always a mistake.
public struct JSONSyntaxError: Error, CustomStringConvertible, Equatable {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

public enum JSONParser {
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var p = Parser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i < p.bytes.count { throw p.error("unexpected text after the JSON value") }
        return v
    }

    /// The message for a number literal beyond ±Double.greatestFiniteMagnitude (JSON has no infinity).
    public static func tooLarge(_ literal: String) -> String { "number \(literal) is too large for a 64-bit float" }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        func error(_ message: String) -> JSONSyntaxError {
            var line = 1, column = 1
            for b in bytes[..<min(i, bytes.count)] { if b == 10 { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 } }
            return JSONSyntaxError(line: line, column: column, message: message)
        }

        mutating func skipSpace() {
            while i < bytes.count, [32, 9, 10, 13].contains(bytes[i]) { i += 1 }
        }

        mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            guard depth < 200 else { throw error("nesting deeper than 200 levels") }
            guard i < bytes.count else { throw error("unexpected end of input; a value was expected") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected character \"\(character(at: i))\"; a value was expected")
            }
        }

        /// The character starting at byte `k` (a whole UTF-8 sequence, not its first byte).
        func character(at k: Int) -> Character {
            String(decoding: bytes[k..<min(k + 4, bytes.count)], as: UTF8.self).first ?? "\u{FFFD}"
        }

        /// After a comma: a closing bracket here means the comma was one too many.
        func rejectTrailingComma(at comma: Int, before close: UInt8) throws(JSONSyntaxError) {
            guard i < bytes.count, bytes[i] == close else { return }
            var at = self
            at.i = comma
            throw at.error("trailing comma before \"\(Character(Unicode.Scalar(close)))\"")
        }

        mutating func literal(_ word: String) throws(JSONSyntaxError) {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("invalid literal; expected \(word)") }
            i += w.count
        }

        mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            i += 1
            var pairs: [(String, JSONValue)] = []
            // A set beside the pairs: a request body of many keys must not cost n² comparisons.
            var keys = Set<String>()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object([]) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let keyStart = i
                let key = try string()
                guard keys.insert(key).inserted else { i = keyStart; throw error("duplicate key \"\(key)\"") }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected \":\" after key \"\(key)\"") }
                i += 1
                skipSpace()
                pairs.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end of input inside an object") }
                if bytes[i] == UInt8(ascii: ",") {
                    let comma = i
                    i += 1
                    skipSpace()
                    try rejectTrailingComma(at: comma, before: UInt8(ascii: "}"))
                    continue
                }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                throw error("expected \",\" or \"}\" (a missing comma?)")
            }
        }

        mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end of input inside an array") }
                if bytes[i] == UInt8(ascii: ",") {
                    let comma = i
                    i += 1
                    skipSpace()
                    try rejectTrailingComma(at: comma, before: UInt8(ascii: "]"))
                    continue
                }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected \",\" or \"]\" (a missing comma?)")
            }
        }

        mutating func string() throws(JSONSyntaxError) -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw error("unterminated string") }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; break }
                if b < 0x20 { throw error("control character in a string; escape it") }
                if b == UInt8(ascii: "\\") {
                    i += 1
                    guard i < bytes.count else { throw error("unterminated escape") }
                    switch bytes[i] {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5C)
                    case UInt8(ascii: "/"): out.append(0x2F)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let code = hex4(at: i + 1) else { throw error("invalid \\u escape; four hexadecimal digits expected") }
                        i += 4
                        var scalarValue = code
                        if (0xD800..<0xDC00).contains(code), i + 6 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\"), bytes[i + 2] == UInt8(ascii: "u"),
                           let low = hex4(at: i + 3), (0xDC00..<0xE000).contains(low) {
                            scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        }
                        out.append(contentsOf: Array(String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8))
                    default: throw error("invalid escape")
                    }
                    i += 1
                    continue
                }
                out.append(b)
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// The value of exactly four hexadecimal digits at `k` (no sign, unlike `UInt32(_:radix:)`).
        func hex4(at k: Int) -> UInt32? {
            guard k + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for b in bytes[k..<(k + 4)] {
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): v = v << 4 | UInt32(b - UInt8(ascii: "A") + 10)
                default: return nil
                }
            }
            return v
        }

        mutating func number() throws(JSONSyntaxError) -> Double {
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            func digits() -> Int { let s = i; while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }; return i - s }
            guard digits() > 0 else { throw error("invalid number") }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw error("invalid number: digits expected after \".\"") } }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw error("invalid number: exponent digits expected") }
            }
            let literal = String(decoding: bytes[start..<i], as: UTF8.self)
            guard let d = Double(literal) else { i = start; throw error("invalid number") }
            guard d.isFinite else { i = start; throw error(JSONParser.tooLarge(literal)) }
            return d
        }
    }
}
