import Foundation
import Testing
import Datasets
import Lab
import Support
@testable import Serve

extension ServeSuites {
    /// Samples that bring their own rows (`profile`, `attributes`, `events`) are encoded with the
    /// run's fitted preprocessing exactly as dataset rows are: given the values of their dataset
    /// rows they get the very score the id lookup gives; given other rows, they are scored on
    /// those, for users and items the server has never seen too.
    @Suite struct InlineRowsTests {
        /// A table of the tiny shop as its CSV text says, each row a JSON object written from the
        /// fields' text (numbers as written, token_seq fields as arrays of words, empty fields left
        /// out) — read apart from the server's loader.
        struct ShopTable {
            var header: [(name: String, type: String)]
            var rows: [[String]]

            init(_ file: String) {
                let lines = (try! String(contentsOfFile: TinyRun.shop + "/" + file, encoding: .utf8)).split(separator: "\n").map(String.init)
                header = csvFields(lines[0]).map { h in let p = h.split(separator: ":"); return (String(p[0]), String(p[1])) }
                rows = lines.dropFirst().map { csvFields($0) }
            }

            func column(_ name: String) -> Int { header.firstIndex { $0.name == name }! }

            func json(_ row: [String], leaving out: Set<String> = []) -> String {
                let fields = zip(header, row).filter { !$0.1.isEmpty && !out.contains($0.0.name) }.map { (h, text) -> String in
                    let value = switch h.type {
                    case "float": text
                    case "token_seq": "[" + text.split(separator: " ").map { JSONValue.quote(String($0)) }.joined(separator: ", ") + "]"
                    default: JSONValue.quote(text)
                    }
                    return JSONValue.quote(h.name) + ": " + value
                }
                return "{" + fields.joined(separator: ", ") + "}"
            }
        }

        static let users = ShopTable("users.csv"), items = ShopTable("items.csv"), events = ShopTable("events.csv")

        /// Labels sample `k` with its dataset rows inline: its user's row, its item's (without the
        /// image path), its user's events up to its cutoff, in file order.
        static func inlineSampleJSON(_ k: Int, userID: String? = nil, itemID: String? = nil) -> String {
            let l = TinyRun.labels[k], cutoff = Double(l.cutoff)!
            let user = users.rows.first { $0[users.column("user_id")] == l.userID }!
            let item = items.rows.first { $0[items.column("item_id")] == l.itemID }!
            let u = events.column("user_id"), t = events.column("timestamp")
            let own = events.rows.filter { $0[u] == l.userID && Double($0[t])! <= cutoff }
            return "{\"sample_id\": \"\(l.sampleID)\", \"user_id\": \"\(userID ?? l.userID)\", \"item_id\": \"\(itemID ?? l.itemID)\", \"cutoff\": \(l.cutoff), "
                + "\"profile\": \(users.json(user, leaving: userID == nil ? [] : ["user_id"])), "
                + "\"attributes\": \(items.json(item, leaving: Set(["image"] + (itemID == nil ? [] : ["item_id"])))), "
                + "\"events\": [\(own.map { events.json($0, leaving: userID == nil ? [] : ["user_id"]) }.joined(separator: ", "))]}"
        }

        static func expectSameNumbers(_ a: JSONValue?, _ b: JSONValue?, _ what: String) {
            #expect(a?["score"]?.doubleValue != nil, "\(what): no score")
            #expect(a?["score"]?.doubleValue == b?["score"]?.doubleValue && a?["logit"]?.doubleValue == b?["logit"]?.doubleValue,
                    "\(what): inline \(a?["score"]?.doubleValue ?? .nan), by id \(b?["score"]?.doubleValue ?? .nan)")
            #expect(a?["attribution"] == b?["attribution"], "\(what) attribution")
            #expect(a?["missing_modalities"] == b?["missing_modalities"], "\(what) missing modalities")
            #expect(a?["predicted"] == b?["predicted"])
        }

        @Test func aSampleGivenItsDatasetRowsInlineGetsTheIdLookupsScoreBitForBit() async throws {
            let server = try await RunningServer.start()
            for k in [0, 7, 123, 399] {
                let inline = try await server.client.post(json: Self.inlineSampleJSON(k))
                #expect(inline.status == 200, "sample \(k): \(inline.text.prefix(300))")
                let byID = try await server.client.post(json: sampleJSON(k))
                Self.expectSameNumbers(inline.json?["scores"]?[0], byID.json?["scores"]?[0], "sample \(k)")
            }
            // A batch mixing inline and looked-up samples shares one forward pass, as the same batch by id does.
            let ks = Array(0..<12)
            let mixed = try await server.client.post(json: batch(ks.map { $0 % 3 == 0 ? Self.inlineSampleJSON($0) : sampleJSON($0) }))
            let byID = try await server.client.post(json: batch(ks.map { sampleJSON($0) }))
            #expect(mixed.status == 200, "\(mixed.text.prefix(300))")
            for k in ks { Self.expectSameNumbers(mixed.json?["scores"]?[k], byID.json?["scores"]?[k], "batch sample \(k)") }
            try await server.stop()
        }

        @Test func anUnknownUserAndItemWithInlineRowsAreScoredOnThem() async throws {
            let server = try await RunningServer.start()
            let body = Self.inlineSampleJSON(7, userID: "never-seen-user", itemID: "never-seen-item")
            let reply = try await server.client.post(json: body)
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            let s = try #require(reply.json?["scores"]?[0])
            // Its events, profile and attributes were read; only the picture is missing (no stored item, none given).
            #expect(s["missing_modalities"]?.arrayValue?.compactMap(\.stringValue) == ["image"], "\(s)")
            // The same ids without rows: refused (reject), or scored on nothing but masks (mask) — another score.
            let bare = "{\"user_id\": \"never-seen-user\", \"item_id\": \"never-seen-item\", \"cutoff\": \(TinyRun.labels[7].cutoff)}"
            #expect(try await server.client.post(json: bare).status == 404)
            try await server.stop()
            let masking = try await RunningServer.start { $0.unknownIDs = .mask }
            let masked = try await masking.client.post(json: bare)
            #expect(masked.json?["scores"]?[0]?["missing_modalities"]?.arrayValue?.count == 4)
            #expect(masked.json?["scores"]?[0]?["logit"]?.doubleValue != s["logit"]?.doubleValue)
            // Scoring is deterministic: the same request again gives the same bits.
            let again = try await masking.client.post(json: body)
            Self.expectSameNumbers(again.json?["scores"]?[0], s, "again")
            try await masking.stop()
        }

        @Test func inlineRowsOverrideTheStoredOnes() async throws {
            let server = try await RunningServer.start()
            let l = TinyRun.labels[7]
            let byID = try await server.client.post(json: sampleJSON(7))
            // The user's history replaced by one purchase, its profile by another user's, the item's price changed.
            let other = Self.users.rows.first { $0[Self.users.column("user_id")] != l.userID }!
            let item = Self.items.rows.first { $0[Self.items.column("item_id")] == l.itemID }!
            let price = Self.items.column("price")
            var pricier = item
            pricier[price] = String((Double(item[price]) ?? 1) * 50)
            let body = "{\"user_id\": \"\(l.userID)\", \"item_id\": \"\(l.itemID)\", \"cutoff\": \(l.cutoff), "
                + "\"profile\": \(Self.users.json(other, leaving: ["user_id"])), \"attributes\": \(Self.items.json(pricier, leaving: ["image"])), "
                + "\"events\": [{\"event_type\": \"purchase\", \"item_id\": \"\(l.itemID)\", \"timestamp\": \(Double(l.cutoff)! - 60)}]}"
            let reply = try await server.client.post(json: body)
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            let s = try #require(reply.json?["scores"]?[0])
            #expect(s["missing_modalities"]?.arrayValue?.isEmpty == true, "the stored picture stays: \(s)")
            #expect(s["logit"]?.doubleValue != byID.json?["scores"]?[0]?["logit"]?.doubleValue)
            // Unseen tokens are the unknown token, as in a dataset row: an event type the run never saw is scored.
            let unseen = "{\"user_id\": \"\(l.userID)\", \"item_id\": \"\(l.itemID)\", \"events\": [{\"event_type\": \"teleport\", \"item_id\": \"no-such-item-x\", \"timestamp\": 100}]}"
            #expect(try await server.client.post(json: unseen).status == 200)
            try await server.stop()
        }

        @Test func partsTheModelDoesNotReadAreRefused() throws {
            let scorer = try RunScorer(runFolder: TinyRun.run)
            let data = try scorer.data(folder: TinyRun.shop)
            let (u, i) = (TinyRun.labels[0].userID, TinyRun.labels[0].itemID)
            let columns = InlineColumns(data: data, reads: [.sequence, .attributes])
            let body = Array("{\"user_id\": \"\(u)\", \"item_id\": \"\(i)\", \"profile\": {\"gender\": \"f\"}}".utf8)
            #expect(throws: ServeError.self) { try ScoreRequest.parse(body, limits: RequestLimits(), sequenceKey: "user_id", inline: columns) }
            do {
                _ = try ScoreRequest.parse(body, limits: RequestLimits(), sequenceKey: "user_id", inline: columns)
            } catch {
                #expect(error.status.code == 400 && error.path == "$.profile")
                #expect(error.message.contains("this model reads no profile modality"), "\(error.message)")
            }
            // Attributes, which it reads, are taken.
            let attributes = Array("{\"user_id\": \"\(u)\", \"item_id\": \"\(i)\", \"attributes\": {\"brand\": \"b1\", \"price\": 3.5}}".utf8)
            let parsed = try ScoreRequest.parse(attributes, limits: RequestLimits(), sequenceKey: "user_id", inline: columns)
            #expect(parsed.samples[0].rows == InlineRows(attributes: ["brand": .token("b1"), "price": .float(3.5)]))
        }

        @Test func theModelSaysWhatInlineRowsMayHoldAndHowItScores() async throws {
            let server = try await RunningServer.start { $0.quantization = .int8 }
            let model = try #require(try await server.client.get("/v1/model").json)
            #expect(model["quantization"]?.stringValue == "int8")
            #expect(model["inline_columns"]?["events"]?["timestamp"]?.stringValue == "float")
            #expect(model["inline_columns"]?["profile"]?["preferred_categories"]?.stringValue == "token_seq")
            #expect(model["inline_columns"]?["attributes"]?["image"] == nil)
            #expect(model["limits"]?["max_events_per_sample"]?.intValue == 1000)
            try await server.stop()
            let plain = try await RunningServer.start()
            #expect(try await plain.client.get("/v1/model").json?["quantization"]?.stringValue == "none")
            try await plain.stop()
        }
    }
}
