import Foundation
import Testing
@testable import Serve

extension ServeSuites {
    /// Every kind of bad request gets a 4xx with a JSON error naming what to change (and, for a
    /// value, its JSON path), and the server answers the next good request as before.
    @Suite struct BadRequestTests {
        struct Case: Sendable, CustomStringConvertible {
            var name: String
            var status: Int
            var code: String
            var path: String?
            /// A phrase of the message.
            var says: String
            var send: @Sendable (TestHTTPClient) async throws -> TestHTTPClient.Reply
            var description: String { name }
        }

        static let u = TinyRun.labels[0].userID, i = TinyRun.labels[0].itemID

        static func json(_ name: String, _ body: String, _ status: Int = 400, _ code: String = "invalid_json", path: String? = nil, says: String) -> Case {
            Case(name: name, status: status, code: code, path: path, says: says) { try await $0.post(json: body) }
        }

        static var cases: [Case] {
            let ok = "\"user_id\": \"\(u)\", \"item_id\": \"\(i)\""
            return [
                Case(name: "empty body", status: 400, code: "empty_body", says: "empty") { try await $0.post(json: "") },
                json("white space only", " \n\t ", 400, "empty_body", says: "empty"),
                json("broken JSON", "{\"user_id\": \"\(u)\",", says: "line 1, column"),
                json("trailing comma", "{\(ok),}", says: "trailing comma"),
                json("single quotes", "{'user_id': 'u0'}", says: "expected a quoted key"),
                json("text after the value", "{\(ok)} {}", says: "unexpected text after the JSON value"),
                json("NaN literal", "{\(ok), \"cutoff\": NaN}", says: "unexpected character"),
                json("number beyond Double", "{\(ok), \"cutoff\": 1e400}", says: "too large for a 64-bit float"),
                json("invalid escape", "{\"user_id\": \"\\x41\", \"item_id\": \"\(i)\"}", says: "invalid escape"),
                json("raw control character in a string", "{\"user_id\": \"a\u{1}b\", \"item_id\": \"\(i)\"}", says: "control character"),
                json("duplicate key", "{\(ok), \"user_id\": \"\(u)\"}", says: "duplicate key"),
                json("top-level array", "[{\(ok)}]", path: "$", says: "expected an object"),
                json("top-level string", "\"u0\"", path: "$", says: "expected an object"),
                json("top-level null", "null", path: "$", says: "expected an object"),
                json("samples not an array", "{\"samples\": {\(ok)}}", path: "$.samples", says: "expected an array of samples"),
                json("samples empty", "{\"samples\": []}", path: "$.samples", says: "at least one sample"),
                json("too many samples", batch(Array(repeating: "{\(ok)}", count: 513)), path: "$.samples", says: "at most 512"),
                json("sample not an object", "{\"samples\": [{\(ok)}, 1]}", path: "$.samples[1]", says: "expected a sample object"),
                json("unknown top-level field", "{\"samples\": [{\(ok)}], \"extra\": 1}", path: "$.extra", says: "unknown field"),
                json("missing user_id", "{\"item_id\": \"\(i)\"}", path: "$.user_id", says: "required field user_id is missing"),
                json("missing item_id", "{\"samples\": [{\(ok)}, {\"user_id\": \"\(u)\"}]}", path: "$.samples[1].item_id", says: "required field item_id"),
                json("user_id a number", "{\"user_id\": 5, \"item_id\": \"\(i)\"}", path: "$.user_id", says: "expected a string, found a number 5"),
                json("user_id null", "{\"user_id\": null, \"item_id\": \"\(i)\"}", path: "$.user_id", says: "expected a string, found null"),
                json("item_id an array", "{\"user_id\": \"\(u)\", \"item_id\": [\"\(i)\"]}", path: "$.item_id", says: "expected a string, found an array"),
                json("sample_id a boolean", "{\(ok), \"sample_id\": true}", path: "$.sample_id", says: "expected a string"),
                json("empty id", "{\"user_id\": \"\", \"item_id\": \"\(i)\"}", path: "$.user_id", says: "non-empty"),
                json("id too long", "{\"user_id\": \"\(String(repeating: "u", count: 300))\", \"item_id\": \"\(i)\"}", path: "$.user_id", says: "at most 256"),
                json("escaped control character in an id", "{\"user_id\": \"u\\u0000\", \"item_id\": \"\(i)\"}", path: "$.user_id", says: "control characters"),
                json("cutoff a string", "{\(ok), \"cutoff\": \"noon\"}", path: "$.cutoff", says: "expected a number (unix seconds), found a string \"noon\""),
                json("cutoff negative", "{\(ok), \"cutoff\": -1}", path: "$.cutoff", says: "between 0 and 1e11"),
                json("cutoff far future", "{\(ok), \"cutoff\": 1e300}", path: "$.cutoff", says: "between 0 and 1e11"),
                json("typo in a field name", "{\"userid\": \"\(u)\", \"item_id\": \"\(i)\"}", path: "$.userid", says: "unknown field \"userid\""),
                json("session_id for a user-keyed model", "{\(ok), \"session_id\": \"s1\"}", path: "$.session_id", says: "keys sequences by user_id"),
                json("inline image, bad base64", "{\(ok), \"image\": \"%%%not-base64%%%\"}", 400, "invalid_image", path: "$.image",
                     says: "not base64: character 0 (\"%\") is outside the base64 alphabet"),
                json("inline image, base64 cut short", "{\(ok), \"image\": \"iVBORw0KGgo\"}", 400, "invalid_image", path: "$.image", says: "length or padding"),
                json("inline image, not an image", "{\(ok), \"image\": \"\(Data("just some text, not a picture".utf8).base64EncodedString())\"}", 400, "invalid_image",
                     path: "$.image", says: "not a PNG or JPEG"),
                json("inline image, corrupt PNG", "{\(ok), \"image\": \"\(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x41, count: 40)).base64EncodedString())\"}",
                     400, "invalid_image", path: "$.image", says: "PNG"),
                json("inline image, a number", "{\"samples\": [{\(ok), \"image\": 5}]}", path: "$.samples[0].image", says: "expected the image as base64 text"),
                json("inline image, empty", "{\(ok), \"image\": \"\"}", 400, "invalid_image", path: "$.image", says: "empty string"),
                json("inline profile, unknown column", "{\(ok), \"profile\": {\"age\": 30}}", path: "$.profile.age", says: "unknown column \"age\"; the columns of users.csv are"),
                json("inline profile, a number as text", "{\(ok), \"profile\": {\"account_age_days\": \"old\"}}", path: "$.profile.account_age_days",
                     says: "a string \"old\" is not a number (column \"account_age_days\" is declared :float"),
                json("inline profile, not an object", "{\(ok), \"profile\": [1]}", path: "$.profile", says: "expected a profile row as an object"),
                json("inline profile of another user", "{\(ok), \"profile\": {\"user_id\": \"someone\"}}", path: "$.profile.user_id", says: "is the sample's"),
                json("inline token_seq as text", "{\(ok), \"profile\": {\"preferred_categories\": \"c1 c2\"}}", path: "$.profile.preferred_categories",
                     says: "expected an array of strings"),
                json("inline token_seq word with a space", "{\(ok), \"profile\": {\"preferred_categories\": [\"c1 c2\"]}}", path: "$.profile.preferred_categories[0]",
                     says: "without spaces"),
                json("inline attributes naming an image file", "{\(ok), \"attributes\": {\"image\": \"../../etc/passwd\"}}", path: "$.attributes.image",
                     says: "never names a file"),
                json("inline attributes, a token as a number", "{\(ok), \"attributes\": {\"brand\": 5}}", path: "$.attributes.brand", says: "expected a string"),
                json("inline events not an array", "{\(ok), \"events\": {\"timestamp\": 1}}", path: "$.events", says: "expected an array of event objects"),
                json("inline event not an object", "{\(ok), \"events\": [\"view\"]}", path: "$.events[0]", says: "expected an event as an object"),
                json("too many inline events", "{\(ok), \"events\": [" + Array(repeating: "{\"event_type\": \"view\", \"timestamp\": 1}", count: 1001).joined(separator: ",") + "]}",
                     path: "$.events", says: "at most 1000 (the server's --max-events)"),
                json("inline event timestamp as text", "{\(ok), \"events\": [{\"event_type\": \"view\", \"timestamp\": \"noon\"}]}", path: "$.events[0].timestamp",
                     says: "is not a number"),
                json("inline event timestamp negative", "{\(ok), \"events\": [{\"event_type\": \"view\", \"timestamp\": -5}]}", path: "$.events[0].timestamp",
                     says: "between 0 and 1e11"),
                json("inline event without timestamp", "{\(ok), \"events\": [{\"event_type\": \"view\", \"timestamp\": 1}, {\"event_type\": \"view\"}]}",
                     path: "$.events[1].timestamp", says: "timestamp must be a finite number, found nothing"),
                json("inline event with an empty event_type", "{\(ok), \"events\": [{\"event_type\": \"\", \"timestamp\": 1}]}", path: "$.events[0].event_type",
                     says: "event_type is empty; every row of events.csv needs one"),
                json("inline events of a user without a row or profile", "{\"user_id\": \"new-user\", \"item_id\": \"\(i)\", \"events\": [{\"event_type\": \"view\", \"timestamp\": 1}]}",
                     path: "$.events", says: "has no row in the server's users table, so its events would be left out"),
                json("inline event, unknown column", "{\(ok), \"events\": [{\"event_type\": \"view\", \"timestamp\": 1, \"price\": 3}]}", path: "$.events[0].price",
                     says: "unknown column \"price\"; the columns of events.csv are"),
                json("deep nesting", "{\"samples\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}", says: "nesting deeper than 200 levels"),
                json("many keys", "{" + (0..<30_000).map { "\"k\($0)\": 0" }.joined(separator: ",") + "}", path: "$.k0", says: "unknown field"),
                Case(name: "invalid UTF-8", status: 400, code: "invalid_utf8", says: "at byte 13") {
                    try await $0.post(bytes: Array("{\"user_id\": \"".utf8) + [0xC3, 0x28] + Array("\", \"item_id\": \"\(i)\"}".utf8))
                },
                Case(name: "truncated UTF-8 at the end", status: 400, code: "invalid_utf8", says: "not UTF-8") { try await $0.post(bytes: Array("{\(ok)}".utf8) + [0xE2, 0x82]) },
                Case(name: "body over the limit", status: 413, code: "body_too_large", says: "larger than 1048576 bytes") {
                    try await $0.post(json: batch(Array(repeating: "{\(ok)}", count: 30_000)))
                },
                Case(name: "10^6 inline events", status: 413, code: "body_too_large", says: "--max-body-bytes") {
                    try await $0.post(json: "{\(ok), \"events\": [" + Array(repeating: "{\"item_id\": \"\(i)\", \"timestamp\": 1}", count: 1_000_000).joined(separator: ",") + "]}")
                },
                Case(name: "chunked body over the limit", status: 413, code: "body_too_large", says: "larger than") {
                    let chunk = String(repeating: " ", count: 60_000)
                    let body = (0..<20).map { _ in String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }.joined() + "0\r\n\r\n"
                    return try await $0.post(bytes: Array(body.utf8), headers: [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
                },
                Case(name: "Content-Length over the limit", status: 413, code: "body_too_large", says: "larger than") {
                    try await $0.raw(Array("POST /v1/score HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{".utf8))
                },
                Case(name: "no Content-Type", status: 415, code: "unsupported_media_type", says: "none given") { try await $0.post(json: "{\(ok)}", headers: []) },
                Case(name: "text/plain", status: 415, code: "unsupported_media_type", says: "text/plain") {
                    try await $0.post(json: "{\(ok)}", headers: [("Content-Type", "text/plain")])
                },
                json("unknown user", "{\"samples\": [{\(ok)}, {\"user_id\": \"nobody\", \"item_id\": \"\(i)\"}]}", 404, "unknown_id", path: "$.samples[1].user_id",
                     says: "user_id \"nobody\" is not in the dataset"),
                json("unknown item", "{\"user_id\": \"\(u)\", \"item_id\": \"no-such-item\"}", 404, "unknown_id", path: "$.item_id", says: "--unknown-ids mask"),
                Case(name: "GET /v1/score", status: 405, code: "method_not_allowed", says: "takes POST") { try await $0.get("/v1/score") },
                Case(name: "POST /v1/model", status: 405, code: "method_not_allowed", says: "takes GET") { try await $0.post("/v1/model", json: "{}") },
                Case(name: "unknown endpoint", status: 404, code: "no_such_endpoint", says: "POST /v1/score") { try await $0.get("/v2/score") },
                Case(name: "a file path as endpoint", status: 404, code: "no_such_endpoint", says: "no endpoint") { try await $0.get("/../../etc/passwd") },
            ]
        }

        @Test func everyKindOfBadRequestGetsA4xxWithItsRuleAndTheServerStaysUp() async throws {
            let server = try await RunningServer.start()
            let cases = Self.cases
            #expect(cases.count >= 30)
            for c in cases {
                let reply = try await c.send(server.client)
                #expect(reply.status == c.status, "\(c.name): \(reply.status) \(reply.text.prefix(300))")
                #expect(reply.code == c.code, "\(c.name): \(reply.text.prefix(300))")
                #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(c.name)")
                if let path = c.path { #expect(reply.path == path, "\(c.name): path \(reply.path ?? "none")") }
                #expect(reply.message?.contains(c.says) == true, "\(c.name): \(reply.message ?? reply.text.prefix(300).description)")
                // Nothing of the server's insides: no source file, no Swift type, no stack.
                for leak in [".swift", "Error(", "Serve.", "0x", TinyRun.root] {
                    #expect(!reply.text.contains(leak), "\(c.name) shows \(leak): \(reply.text.prefix(300))")
                }
                let health = try await server.client.get("/healthz")
                #expect(health.status == 200, "down after \(c.name)")
            }
            // A garbled request line: the connection is refused or answered 4xx; the server stays up.
            if let reply = try? await server.client.raw(Array("NOT HTTP AT ALL\r\n\r\n".utf8)) { #expect((400..<500).contains(reply.status)) }
            let good = try await server.client.post(json: sampleJSON(0))
            #expect(good.status == 200)
            // Every refusal was counted.
            let metrics = try await server.client.get("/metrics").text
            #expect(metrics.contains("fusionlab_http_errors_total{route=\"/v1/score\",method=\"POST\",status=\"400\"}"))
            try await server.stop()
        }

        @Test func unknownIDsAreScoredMaskedWhenThePolicyIsMask() async throws {
            let server = try await RunningServer.start { $0.unknownIDs = .mask }
            let reply = try await server.client.post(json: "{\"user_id\": \"nobody\", \"item_id\": \"no-such-item\"}")
            #expect(reply.status == 200, "\(reply.text)")
            let missing = reply.json?["scores"]?[0]?["missing_modalities"]?.arrayValue?.compactMap(\.stringValue)
            #expect(missing == ["sequence", "profile", "attributes", "image"], "\(missing ?? [])")
            try await server.stop()
        }
    }
}
