import Foundation
import Testing
@testable import Serve

extension ServeSuites {
    /// Loopback by default; any other address needs a bearer token, which every request but
    /// /healthz must then carry.
    @Suite struct SecurityTests {
        @Test func onlyLoopbackAddressesMayGoWithoutAToken() throws {
            for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] {
                var c = ServeConfiguration()
                c.host = host
                #expect(throws: Never.self) { try c.validate() }
            }
            for host in ["0.0.0.0", "::", "192.168.1.10", "example.org", "127.0.0.1.evil.org", "1270.0.0.1"] {
                var c = ServeConfiguration()
                c.host = host
                #expect(throws: ServeSetupError.tokenRequired(host: host)) { try c.validate() }
                c.tokenFile = "/any"
                #expect(throws: Never.self) { try c.validate() }
            }
            #expect(ServeSetupError.tokenRequired(host: "0.0.0.0").description.contains("--token-file"))
        }

        @Test func aTokenFileMustHoldAUsableToken() throws {
            let folder = TinyRun.scratch()
            for (content, says) in [("", "at least 16"), ("short", "at least 16"), ("a token with spaces in it", "without spaces")] {
                try content.write(toFile: folder + "/t", atomically: true, encoding: .utf8)
                #expect { try BearerToken.read(path: folder + "/t") } throws: { "\($0)".contains(says) }
            }
            #expect { try BearerToken.read(path: folder + "/none") } throws: { "\($0)".contains("cannot be read") }
            try "0123456789abcdef0123\n".write(toFile: folder + "/t", atomically: true, encoding: .utf8)
            #expect(try BearerToken.read(path: folder + "/t") == "0123456789abcdef0123")
        }

        @Test func withATokenEveryRequestButHealthzMustCarryIt() async throws {
            let folder = TinyRun.scratch(), token = "s3cret-token-0123456789"
            try token.write(toFile: folder + "/token", atomically: true, encoding: .utf8)
            let server = try await RunningServer.start { $0.tokenFile = folder + "/token" }
            let client = server.client
            let json = [("Content-Type", "application/json")]
            for headers in [[], [("Authorization", "Bearer wrong-token-0123456789")], [("Authorization", "Basic \(token)")], [("Authorization", "Bearer \(token)x")]] {
                let reply = try await client.post(json: sampleJSON(0), headers: json + headers)
                #expect(reply.status == 401 && reply.code == "unauthorized" && reply.headers["www-authenticate"] == "Bearer", "\(headers)")
                #expect(try await client.get("/v1/model", headers: headers).status == 401)
                #expect(try await client.get("/metrics", headers: headers).status == 401)
            }
            #expect(try await client.get("/healthz").status == 200)
            let bearer = [("Authorization", "Bearer \(token)")]
            #expect(try await client.post(json: sampleJSON(0), headers: json + bearer).status == 200)
            #expect(try await client.get("/v1/model", headers: bearer).status == 200)
            try await server.stop()
        }

        @Test func theModelDescriptionShowsNoPathOfTheServer() async throws {
            let server = try await RunningServer.start()
            let reply = try await server.client.get("/v1/model")
            #expect(reply.status == 200)
            #expect(!reply.text.contains(TinyRun.root), "\(reply.text.prefix(500))")
            let json = try #require(reply.json)
            #expect(json["api_version"]?.stringValue == "v1" && json["threshold"]?.doubleValue != nil)
            #expect(json["config"]?["model"] != nil && json["schema"]?["sequenceTokens"] != nil && json["metrics"]?["test"] != nil, "\(reply.text.prefix(800))")
            try await server.stop()
        }
    }
}
