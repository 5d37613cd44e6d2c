import Foundation
import Testing
import Support
import Lab
@testable import Serve

extension ServeSuites {
    /// docs/serve-openapi.json describes the server as it is: the same paths and methods, the same
    /// error codes, its example request is answered 200, and real answers — scores, the model,
    /// health, errors of each status — match the schemas it gives for them.
    @Suite struct OpenAPITests {
        static let spec: JSONValue = {
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/serve-openapi.json").path
            return try! JSONParser.parse(try! String(contentsOfFile: path, encoding: .utf8))
        }()

        @Test func pathsMethodsAndErrorCodesAreTheServers() throws {
            let paths = try #require(Self.spec["paths"]?.objectPairs)
            var described: [String: String] = [:]
            for (path, operations) in paths {
                let methods = operations.objectPairs?.map(\.0) ?? []
                #expect(methods.count == 1, "\(path)")
                described[path] = methods.first?.uppercased()
            }
            #expect(described == ScoreServer.endpoints)
            let codes = Self.spec["components"]?["schemas"]?["Error"]?["properties"]?["error"]?["properties"]?["code"]?["enum"]?.arrayValue?.compactMap(\.stringValue)
            #expect(Set(codes ?? []) == Set(ServeError.codes))
            #expect(Set(BadRequestTests.cases.map(\.code)).isSubset(of: Set(ServeError.codes)))
            // A sample's fields are the server's, inline rows included; the weights' forms are the server's.
            let sampleFields = Self.schema("Sample")["properties"]?.objectPairs?.map(\.0) ?? []
            // (`session_id`, taken by session-keyed models only, is described in the Sample's text.)
            #expect(Set(sampleFields + ["session_id"]) == Set(ScoreRequest.sampleFields))
            let quantization = Self.schema("ModelDescription")["properties"]?["quantization"]?["enum"]?.arrayValue?.compactMap(\.stringValue)
            #expect(quantization == ["none"] + WeightQuantization.allCases.map(\.rawValue))
            #expect(Self.schema("Sample")["properties"]?["events"]?["maxItems"]?.intValue == RequestLimits().maxEventsPerSample)
        }

        @Test func realAnswersMatchTheirSchemas() async throws {
            let server = try await RunningServer.start()
            let client = server.client
            let example = try #require(Self.spec["paths"]?["/v1/score"]?["post"]?["requestBody"]?["content"]?["application/json"]?["example"])
            #expect(Self.errors(example, Self.schema("ScoreRequest")).isEmpty)
            // It shows inline rows, for a user the server has never seen.
            #expect(example["samples"]?.arrayValue?.contains { $0["events"] != nil && $0["profile"] != nil } == true)
            // Inline values of each type match the spec's; an object does not.
            for value in [#""gold""#, "3.5", #"["a", "b"]"#, "[1, 2]", "[]", "null"] {
                #expect(Self.errors(try JSONParser.parse(value), Self.schema("InlineValue")).isEmpty, "\(value)")
            }
            #expect(!Self.errors(try JSONParser.parse(#"{"a": 1}"#), Self.schema("InlineValue")).isEmpty)
            // The check itself finds what is wrong.
            let wrong = try JSONParser.parse(#"{"threshold": "high", "scores": [{"sample_id": "a", "score": 2, "predicted": true, "extra": 1}]}"#)
            #expect(Self.errors(wrong, Self.schema("ScoreResponse")).count == 5, "\(Self.errors(wrong, Self.schema("ScoreResponse")))")
            let answers: [(String, String, TestHTTPClient.Reply)] = [
                ("/v1/score", "post", try await client.post(json: CompactJSON.render(example))),
                ("/v1/score", "post", try await client.post(json: sampleJSON(9, cutoff: false))),
                ("/v1/score", "post", try await client.post(json: batch((0..<20).map { sampleJSON($0) }))),
                ("/v1/model", "get", try await client.get("/v1/model")),
                ("/healthz", "get", try await client.get("/healthz")),
                ("/metrics", "get", try await client.get("/metrics")),
            ]
            #expect(answers[0].2.status == 200, "the spec's example: \(answers[0].2.text)")
            var replies = answers
            for c in BadRequestTests.cases.filter({ $0.name != "10^6 inline events" }) {
                let path = c.name.hasPrefix("GET ") || c.name.hasPrefix("POST /v1/model") ? (c.name.hasPrefix("POST") ? "/v1/model" : "/v1/score") : "/v1/score"
                replies.append((path, c.name.hasPrefix("GET ") ? "get" : "post", try await c.send(client)))
            }
            for (path, method, reply) in replies where reply.code != "no_such_endpoint" {
                // A method the path does not take is described on the method it does take.
                let described = reply.status == 405 ? (method == "get" ? "post" : "get") : method
                let response = Self.spec["paths"]?[path]?[described]?["responses"]?[String(reply.status)]
                #expect(response != nil, "\(method) \(path) answered \(reply.status), which the spec does not list")
                guard let content = response?["content"]?.objectPairs?.first else { continue }
                #expect(reply.headers["content-type"]?.hasPrefix(content.0) == true, "\(path) \(reply.status): \(reply.headers["content-type"] ?? "")")
                guard content.0 == "application/json", let schema = content.1["schema"] else { continue }
                let json = try #require(reply.json, "\(path) \(reply.status): not JSON")
                let problems = Self.errors(json, schema)
                #expect(problems.isEmpty, "\(method) \(path) \(reply.status): \(problems)")
            }
            try await server.stop()
        }

        // MARK: a small JSON Schema check (the OpenAPI 3.0 subset the spec uses)

        static func schema(_ name: String) -> JSONValue { spec["components"]!["schemas"]![name]! }

        static func errors(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
            if let ref = schema["$ref"]?.stringValue { return errors(value, Self.schema(String(ref.split(separator: "/").last!)), at: path) }
            if let options = schema["oneOf"]?.arrayValue {
                let matching = options.filter { errors(value, $0, at: path).isEmpty }.count
                return matching == 1 ? [] : ["\(path): matches \(matching) of oneOf"]
            }
            if let options = schema["anyOf"]?.arrayValue {
                if value == .null, schema["nullable"]?.boolValue == true { return [] }
                return options.contains { errors(value, $0, at: path).isEmpty } ? [] : ["\(path): matches none of anyOf"]
            }
            if value == .null { return schema["nullable"]?.boolValue == true || schema["type"] == nil ? [] : ["\(path): null"] }
            var out: [String] = []
            switch schema["type"]?.stringValue {
            case "object":
                guard let pairs = value.objectPairs else { return ["\(path): not an object"] }
                for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where value[name] == nil { out.append("\(path).\(name) missing") }
                let properties = schema["properties"]?.objectPairs ?? []
                for (key, v) in pairs {
                    if let p = properties.first(where: { $0.0 == key })?.1 {
                        out += errors(v, p, at: path + "." + key)
                    } else if let extra = schema["additionalProperties"] {
                        if extra == .bool(false) { out.append("\(path).\(key) not in the schema") } else if extra.objectPairs != nil { out += errors(v, extra, at: path + "." + key) }
                    }
                }
            case "array":
                guard let items = value.arrayValue else { return ["\(path): not an array"] }
                if let min = schema["minItems"]?.intValue, items.count < min { out.append("\(path): fewer than \(min) items") }
                if let max = schema["maxItems"]?.intValue, items.count > max { out.append("\(path): more than \(max) items") }
                if let item = schema["items"] { for (k, v) in items.enumerated() { out += errors(v, item, at: "\(path)[\(k)]") } }
            case "string":
                guard let s = value.stringValue else { return ["\(path): not a string"] }
                if let max = schema["maxLength"]?.intValue, s.count > max { out.append("\(path): longer than \(max)") }
            case "number", "integer":
                guard let d = value.doubleValue else { return ["\(path): not a number"] }
                if schema["type"]?.stringValue == "integer", d != d.rounded() { out.append("\(path): not an integer") }
                if let min = schema["minimum"]?.doubleValue, d < min { out.append("\(path): below \(min)") }
                if let max = schema["maximum"]?.doubleValue, d > max { out.append("\(path): above \(max)") }
            case "boolean":
                if value.boolValue == nil { out.append("\(path): not a boolean") }
            default: break
            }
            if let options = schema["enum"]?.arrayValue, !options.contains(value) { out.append("\(path): \(value.oneLine) not in the enum") }
            return out
        }
    }
}
