import Foundation
import Datasets
import Support

/// The body of `POST /v1/score`, checked: either one sample object, or `{"samples": [ … ]}`
/// with 1…`maxSamplesPerRequest` of them. A sample is
/// `{"sample_id"?: string, "user_id": string, "item_id": string, "session_id"?: string, "cutoff"?: number, "image"?: string,
/// "profile"?: object, "attributes"?: object, "events"?: [object]}`
/// — `session_id` exactly when the run keyed its sequences by session; `cutoff` in unix
/// seconds (default: the key's latest event); `image` a PNG or JPEG in base64, scored in place
/// of the item's own picture (decoded here, with the pixel limit, so a bad one is refused
/// before it is queued); `profile`, `attributes`, `events` the sample's own rows, in place of
/// the dataset's (`InlineColumns`, checked here too). Anything else is refused with the JSON path of
/// the value and the rule it breaks (`$.samples[2].cutoff: expected a number (unix seconds), found a string "noon"`).
public struct ScoreRequest: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var sampleID: String
        public var userID: String
        public var itemID: String
        public var sessionID: String?
        public var cutoff: Double?
        /// The image given inline, decoded.
        public var image: RGBImage?
        /// The rows given inline (nil: none; the dataset's are looked up).
        public var rows: InlineRows?
        /// Where the sample is in the body (`$.samples[3]`, or `$` for a lone sample).
        public var path: String
    }

    public var samples: [Sample]

    static let sampleFields = ["sample_id", "user_id", "item_id", "session_id", "cutoff", "image", "profile", "attributes", "events"]

    /// Parses and checks `body` (the raw bytes): UTF-8, JSON syntax (messages with line and
    /// column, as configs get), then the shape above.
    /// `readsImages`: whether the model reads an image (else `image` is refused); `inline`: the
    /// columns inline rows may hold (nil: none are taken).
    static func parse(_ body: [UInt8], limits: RequestLimits, sequenceKey: String, readsImages: Bool = true,
                      inline: InlineColumns? = nil) throws(ServeError) -> ScoreRequest {
        guard !body.isEmpty, body.contains(where: { ![32, 9, 10, 13].contains($0) }) else { throw .emptyBody() }
        let text = try utf8(body)
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch { throw .invalidJSON("the body is not valid JSON: \(error)") }
        guard let pairs = json.objectPairs else { throw .invalidJSON("expected an object (one sample, or {\"samples\": [...]}), found \(json.found)", path: "$") }
        let items: [(JSONValue, String)]
        if pairs.contains(where: { $0.0 == "samples" }) {
            for (key, _) in pairs where key != "samples" {
                throw .invalidJSON("unknown field \(JSONValue.quote(String(key.prefix(100)))); a batch object has only \"samples\"", path: "$" + member(key))
            }
            guard let list = json["samples"]?.arrayValue else {
                throw .invalidJSON("expected an array of samples, found \(json["samples"]!.found)", path: "$.samples")
            }
            guard !list.isEmpty else { throw .invalidJSON("expected at least one sample, found an empty array", path: "$.samples") }
            guard list.count <= limits.maxSamplesPerRequest else {
                throw .invalidJSON("\(list.count) samples; a request may hold at most \(limits.maxSamplesPerRequest) (the server's --max-samples)", path: "$.samples")
            }
            items = list.enumerated().map { ($1, "$.samples[\($0)]") }
        } else {
            items = [(json, "$")]
        }
        var samples: [Sample] = []
        samples.reserveCapacity(items.count)
        for (k, (value, path)) in items.enumerated() {
            samples.append(try sample(value, path: path, index: k, limits: limits, sequenceKey: sequenceKey, readsImages: readsImages, inline: inline))
        }
        return ScoreRequest(samples: samples)
    }

    static func sample(_ value: JSONValue, path: String, index: Int, limits: RequestLimits, sequenceKey: String, readsImages: Bool,
                       inline: InlineColumns?) throws(ServeError) -> Sample {
        guard let pairs = value.objectPairs else {
            throw .invalidJSON("expected a sample object {\"user_id\": …, \"item_id\": …}, found \(value.found)", path: path)
        }
        let allowed = sampleFields.filter { (sequenceKey == "session_id" || $0 != "session_id") && (inline != nil || !InlineColumns.parts.contains($0)) }
        for (key, _) in pairs where !allowed.contains(key) {
            let hint = key == "session_id" ? "this model keys sequences by user_id; leave session_id out"
                : "a sample has only " + allowed.joined(separator: ", ")
            throw .invalidJSON("unknown field \(JSONValue.quote(String(key.prefix(100)))); \(hint)", path: path + member(key))
        }
        func id(_ field: String, required: Bool) throws(ServeError) -> String? {
            guard let v = value[field] else {
                if required { throw .invalidJSON("required field \(field) is missing", path: path + "." + field) }
                return nil
            }
            guard let s = v.stringValue else { throw .invalidJSON("expected a string, found \(v.found)", path: path + "." + field) }
            guard !s.isEmpty else { throw .invalidJSON("expected a non-empty string", path: path + "." + field) }
            // Characters as JSON Schema counts them: code points.
            guard s.unicodeScalars.count <= limits.maxIDLength else {
                throw .invalidJSON("\(s.unicodeScalars.count) characters; an id has at most \(limits.maxIDLength)", path: path + "." + field)
            }
            guard !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw .invalidJSON("an id may not hold control characters", path: path + "." + field)
            }
            return s
        }
        let sampleID = try id("sample_id", required: false) ?? String(index)
        let userID = try id("user_id", required: true)!
        let itemID = try id("item_id", required: true)!
        let sessionID = try id("session_id", required: sequenceKey == "session_id")
        var cutoff: Double?
        if let v = value["cutoff"], v != .null {
            guard let d = v.doubleValue else { throw .invalidJSON("expected a number (unix seconds), found \(v.found)", path: path + ".cutoff") }
            guard d >= 0 && d <= 1e11 else { throw .invalidJSON("expected unix seconds between 0 and 1e11, found \(JSONValue.format(d))", path: path + ".cutoff") }
            cutoff = d
        }
        var image: RGBImage?
        if let v = value["image"], v != .null {
            guard readsImages else { throw .invalidJSON("this model reads no image; leave image out", path: path + ".image") }
            guard let text = v.stringValue else { throw .invalidJSON("expected the image as base64 text (a PNG or JPEG file), found \(v.found)", path: path + ".image") }
            image = try decodeInlineImage(text, maxPixels: limits.maxImagePixels, path: path + ".image")
        }
        var rows: InlineRows?
        if let inline, pairs.contains(where: { InlineColumns.parts.contains($0.0) }) {
            var ids = ["user_id": userID, "item_id": itemID]
            if let sessionID { ids["session_id"] = sessionID }
            rows = try inline.parse(value, path: path, ids: ids, limits: limits)
        }
        return Sample(sampleID: sampleID, userID: userID, itemID: itemID, sessionID: sessionID, cutoff: cutoff, image: image, rows: rows, path: path)
    }

    static let base64Alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".unicodeScalars)

    /// A PNG or JPEG file in base64 (RFC 4648's alphabet, padded, no line breaks), decoded to RGB
    /// by the dataset loader's codecs; its header's width × height at most `maxPixels`.
    static func decodeInlineImage(_ text: String, maxPixels: Int, path: String) throws(ServeError) -> RGBImage {
        guard !text.isEmpty else { throw .invalidImage("expected a PNG or JPEG file in base64, found an empty string", path: path) }
        guard let bytes = Data(base64Encoded: text) else {
            let scalars = Array(text.unicodeScalars)
            let why = scalars.firstIndex { !base64Alphabet.contains($0) }.map {
                "character \($0) (\(JSONValue.quote(String(scalars[$0].escaped(asASCII: true))))) is outside the base64 alphabet A–Z a–z 0–9 + / ="
            } ?? "its length or padding is wrong (\(scalars.count) characters; base64 comes in padded groups of 4)"
            throw .invalidImage("not base64: \(why)", path: path)
        }
        do { return try decodeImage(data: bytes, maxPixels: maxPixels) } catch {
            if case let .tooLarge(_, width, height, _) = error {
                throw .invalidImage("the image is \(width) x \(height) = \(width * height) pixels; at most \(maxPixels) are taken (the server's --max-image-pixels)", path: path)
            }
            throw .invalidImage("\(error)", path: path)
        }
    }

    /// `.key`, or `["key"]` for a key that is not a plain name (cut after 100 characters).
    static func member(_ key: String) -> String {
        let plain = !key.isEmpty && key.count <= 100 && key.unicodeScalars.allSatisfy { ($0.value < 128 && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "_" }
        return plain ? "." + key : "[" + JSONValue.quote(String(key.prefix(100))) + "]"
    }

    /// The body as text, or the offset of its first byte that is not UTF-8 (looked for only
    /// when the body is not: the usual body is validated and copied once).
    static func utf8(_ bytes: [UInt8]) throws(ServeError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): offset += UTF8.width(s)
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error: throw .invalidUTF8(offset: offset)
            }
        }
    }
}
