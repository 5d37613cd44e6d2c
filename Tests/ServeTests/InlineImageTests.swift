import Foundation
import Testing
import Lab
import Support
@testable import Serve

extension ServeSuites {
    /// An image sent inline is scored as the item's own picture is: its file's bytes in base64
    /// give the lookup's numbers bit for bit; another picture moves the score; the pixel limit
    /// holds.
    @Suite struct InlineImageTests {
        /// items.csv's image path of `item`, relative to the shop.
        static func imagePath(of item: String) throws -> String {
            let lines = try String(contentsOfFile: TinyRun.shop + "/items.csv", encoding: .utf8).split(separator: "\n")
            let header = lines[0].split(separator: ",").map { String($0.split(separator: ":")[0]) }
            let id = try #require(header.firstIndex(of: "item_id")), image = try #require(header.firstIndex(of: "image"))
            let row = try #require(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }.first { String($0[id]) == item })
            return String(row[image])
        }

        static func withImage(_ k: Int, _ base64: String) -> String {
            String(sampleJSON(k).dropLast()) + ", \"image\": \"\(base64)\"}"
        }

        @Test func theItemsOwnPictureInlineGivesTheLookupsScoresBitForBit() async throws {
            let server = try await RunningServer.start()
            for k in [0, 7, 42] {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: TinyRun.shop + "/" + Self.imagePath(of: TinyRun.labels[k].itemID)))
                let looked = try await server.client.post(json: sampleJSON(k))
                let inline = try await server.client.post(json: Self.withImage(k, bytes.base64EncodedString()))
                #expect(inline.status == 200, "\(inline.text.prefix(300))")
                let a = try #require(looked.json?["scores"]?[0]), b = try #require(inline.json?["scores"]?[0])
                #expect(a["score"]?.doubleValue == b["score"]?.doubleValue && a["logit"]?.doubleValue == b["logit"]?.doubleValue, "sample \(k)")
                #expect(a["attribution"] == b["attribution"])
                #expect(b["missing_modalities"]?.arrayValue?.contains(.string("image")) == false)
            }
            // Another item's picture: the image encoder sees it (the logit moves).
            let other = try Data(contentsOf: URL(fileURLWithPath: TinyRun.shop + "/" + Self.imagePath(of: TinyRun.labels[1].itemID)))
            let own = try await server.client.post(json: sampleJSON(0))
            let swapped = try await server.client.post(json: Self.withImage(0, other.base64EncodedString()))
            #expect(swapped.status == 200)
            if try Self.imagePath(of: TinyRun.labels[1].itemID) != Self.imagePath(of: TinyRun.labels[0].itemID) {
                #expect(own.json?["scores"]?[0]?["logit"]?.doubleValue != swapped.json?["scores"]?[0]?["logit"]?.doubleValue)
            }
            try await server.stop()
        }

        @Test func anImageOverThePixelLimitIsRefusedBeforeItIsDecoded() async throws {
            let server = try await RunningServer.start { $0.limits.maxImagePixels = 100 }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: TinyRun.shop + "/" + Self.imagePath(of: TinyRun.labels[0].itemID)))
            let reply = try await server.client.post(json: batch([sampleJSON(1), Self.withImage(0, bytes.base64EncodedString())]))
            #expect(reply.status == 400 && reply.code == "invalid_image", "\(reply.text.prefix(300))")
            #expect(reply.path == "$.samples[1].image")
            #expect(reply.message?.contains("at most 100 are taken (the server's --max-image-pixels)") == true, "\(reply.message ?? "")")
            let model = try await server.client.get("/v1/model")
            #expect(model.json?["limits"]?["max_image_pixels"]?.doubleValue == 100)
            try await server.stop()
        }
    }
}
