import Foundation
import Testing
import Lab
import Support
@testable import Serve

extension ServeSuites {
    /// `serve` answers with the numbers `score` gives: bit for bit when the samples share a forward
    /// pass as `score` batched them (one request holding exactly one of its chunks; one lone
    /// sample), within 1e-6 when concurrent requests were coalesced into one batch (a forward
    /// pass's sums then run over other rows, which moves the last bits, ~1e-8).
    @Suite struct ScoreEqualityTests {
        @Test func oneRequestOfAScoreChunkGivesScoresNumbersBitForBit() async throws {
            let server = try await RunningServer.start()
            let n = TinyRun.labels.count
            #expect(n <= RunScorer.batchSize, "the tiny shop's samples are one chunk of `score`")
            let reply = try await server.client.post(json: batch((0..<n).map { sampleJSON($0) }))
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            let scores = try #require(reply.json?["scores"]?.arrayValue)
            #expect(scores.count == n)

            // What `fusionlab score RUN DATA --out FILE` writes for the same dataset (one chunk of all its samples).
            let scorer = try RunScorer(runFolder: TinyRun.run)
            let out = TinyRun.scratch() + "/scores.csv"
            _ = try scorer.score(ScoringJob(data: TinyRun.shop, output: out))
            let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { csvFields(String($0)) }
            let header = lines[0]
            let csv = Dictionary(uniqueKeysWithValues: lines.dropFirst().map { ($0[0], Dictionary(uniqueKeysWithValues: zip(header, $0))) })
            for s in scores {
                let id = try #require(s["sample_id"]?.stringValue)
                let row = try #require(csv[id])
                let score = try #require(s["score"]?.doubleValue)
                #expect(CSVTable.number(score) == row["score"], "\(id): serve \(score), score \(row["score"] ?? "")")
                #expect((s["predicted"]?.boolValue == true ? "1" : "0") == row["predicted"])
                for column in scorer.attributionColumns {
                    let a = try #require(s["attribution"]?[column]?.doubleValue)
                    #expect(CSVTable.number(a) == row["attribution_" + column], "\(id) attribution \(column)")
                }
                let missing = s["missing_modalities"]?.arrayValue?.compactMap(\.stringValue).joined(separator: "+")
                #expect(missing == row["missing_modalities"])
            }

            // And the very Doubles RunScorer returns for these samples in one call.
            let data = try scorer.data(folder: TinyRun.shop)
            let direct = try scorer.score((0..<n).map(sampleInput), in: data)
            for (s, d) in zip(scores, direct) {
                #expect(s["sample_id"]?.stringValue == d.sampleID)
                #expect(s["score"]?.doubleValue == d.score && s["logit"]?.doubleValue == d.logit, "\(d.sampleID)")
                #expect(s["attribution"]?.objectPairs?.map { $0.1.doubleValue! } == d.attribution)
                #expect(s["predicted"]?.boolValue == d.predicted)
            }
            #expect(reply.json?["threshold"]?.doubleValue == scorer.threshold)
            try await server.stop()
        }

        @Test func aLoneSampleIsScoredAloneBitForBit() async throws {
            let server = try await RunningServer.start()
            let scorer = try RunScorer(runFolder: TinyRun.run)
            let data = try scorer.data(folder: TinyRun.shop)
            for k in [0, 7, 123, 399] {
                // The single-sample form, and the batch form with one sample.
                for body in [sampleJSON(k), batch([sampleJSON(k)])] {
                    let reply = try await server.client.post(json: body)
                    #expect(reply.status == 200, "\(reply.text)")
                    let s = try #require(reply.json?["scores"]?[0])
                    let d = try #require(try scorer.score([sampleInput(k)], in: data).first)
                    #expect(s["score"]?.doubleValue == d.score && s["logit"]?.doubleValue == d.logit, "sample \(k)")
                    #expect(s["attribution"]?.objectPairs?.map { $0.1.doubleValue! } == d.attribution)
                }
            }
            // Without a cutoff: the user's latest event, as `score` takes a labels row without one.
            let l = TinyRun.labels[5]
            let reply = try await server.client.post(json: "{\"user_id\": \"\(l.userID)\", \"item_id\": \"\(l.itemID)\"}")
            let d = try scorer.score([SampleInput(sampleID: "0", key: l.userID, userID: l.userID, targetItemID: l.itemID)], in: data)[0]
            #expect(reply.json?["scores"]?[0]?["score"]?.doubleValue == d.score)
            #expect(reply.json?["scores"]?[0]?["sample_id"]?.stringValue == "0")
            try await server.stop()
        }

        @Test func concurrentRequestsShareForwardPassesWithinTheTolerance() async throws {
            let server = try await RunningServer.start { $0.maxBatch = 64; $0.maxWaitMilliseconds = 20 }
            let scorer = try RunScorer(runFolder: TinyRun.run)
            let data = try scorer.data(folder: TinyRun.shop)
            let count = 48
            let client = server.client
            let replies = try await withThrowingTaskGroup(of: (Int, TestHTTPClient.Reply).self) { group in
                for k in 0..<count { group.addTask { (k, try await client.post(json: sampleJSON(k))) } }
                var out: [Int: TestHTTPClient.Reply] = [:]
                for try await (k, r) in group { out[k] = r }
                return out
            }
            for k in 0..<count {
                let reply = try #require(replies[k])
                #expect(reply.status == 200)
                let alone = try scorer.score([sampleInput(k)], in: data)[0]
                let got = try #require(reply.json?["scores"]?[0]?["score"]?.doubleValue)
                #expect(abs(got - alone.score) <= 1e-6, "sample \(k): \(got) coalesced, \(alone.score) alone")
                #expect(reply.json?["scores"]?[0]?["sample_id"]?.stringValue == TinyRun.labels[k].sampleID)
            }
            // Some forward pass held more than one request.
            let metrics = try await server.client.get("/metrics").text
            let batches = metricValue(metrics, "fusionlab_batch_requests_count"), requests = metricValue(metrics, "fusionlab_batch_requests_sum")
            #expect(batches > 0 && requests == Double(count) && batches < requests, "\(batches) batches for \(requests) requests")
            try await server.stop()
        }
    }
}

/// The value of an unlabelled metric line `name value` in Prometheus text.
func metricValue(_ text: String, _ name: String) -> Double {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.split(separator: " ")[1]) ?? .nan
    }
    return .nan
}
