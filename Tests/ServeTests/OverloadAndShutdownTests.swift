import Foundation
import Testing
import ServiceLifecycle
import UnixSignals
@testable import Serve

extension ServeSuites {
    /// The queue is bounded: past it a request gets 503 with Retry-After at once, and the queued
    /// ones are still answered. A shutdown (SIGTERM, or `shutdown()`) stops accepting, answers
    /// what is in flight and returns.
    @Suite struct OverloadAndShutdownTests {
        /// Waits until the worker holds `n` queued requests.
        static func queued(_ server: RunningServer, _ n: Int) async throws {
            for _ in 0..<2000 where server.server.worker.queuedRequests < n { try await Task.sleep(for: .milliseconds(5)) }
            #expect(server.server.worker.queuedRequests == n)
        }

        @Test func aFullQueueAnswers503WithRetryAfterAndTheQueuedAreStillScored() async throws {
            let server = try await RunningServer.start { $0.queueLimit = 8; $0.limits.maxSamplesPerRequest = 4; $0.maxBatch = 4 }
            let client = server.client
            server.server.worker.hold()
            let four = batch((0..<4).map { sampleJSON($0) })
            let queued = (0..<2).map { _ in Task { try await client.post(json: four) } }
            try await Self.queued(server, 2)
            // 8 samples wait: one more is refused, without waiting.
            let began = ContinuousClock.now
            let refused = try await client.post(json: sampleJSON(5))
            #expect(refused.status == 503 && refused.code == "overloaded", "\(refused.text)")
            #expect(refused.headers["retry-after"] == "1")
            #expect(ContinuousClock.now - began < .seconds(5))
            server.server.worker.release()
            for task in queued {
                let reply = try await task.value
                #expect(reply.status == 200 && reply.json?["scores"]?.arrayValue?.count == 4)
            }
            // Under a burst: only 200s and 503s.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for k in 0..<64 { group.addTask { try await client.post(json: batch((0..<4).map { sampleJSON((k + $0) % 400) })).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(Set(statuses).isSubset(of: [200, 503]) && statuses.contains(200), "\(statuses)")
            let metrics = try await client.get("/metrics").text
            #expect(metricValue(metrics, "fusionlab_overload_rejections_total") >= 1)
            try await server.stop()
        }

        @Test func shutdownAnswersTheRequestInFlightThenStopsListening() async throws {
            let server = try await RunningServer.start()
            let client = server.client
            server.server.worker.hold()
            let inFlight = Task { try await client.post(json: sampleJSON(3)) }
            try await Self.queued(server, 1)
            let stopped = Task { try await server.stop() }
            try await Task.sleep(for: .milliseconds(300))
            server.server.worker.release()
            let reply = try await inFlight.value
            #expect(reply.status == 200, "\(reply.text)")
            try await stopped.value
            await #expect(throws: (any Error).self) { try await client.get("/healthz") }
        }

        @Test func sigtermStopsTheServerGracefully() async throws {
            let server = try await RunningServer.start(signals: [.sigterm])
            let client = server.client
            server.server.worker.hold()
            let inFlight = Task { try await client.post(json: sampleJSON(4)) }
            try await Self.queued(server, 1)
            kill(getpid(), SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            server.server.worker.release()
            let reply = try await inFlight.value
            #expect(reply.status == 200, "\(reply.text)")
            try await server.task.value
            await #expect(throws: (any Error).self) { try await client.get("/healthz") }
        }

        @Test func aShutdownUnderKeepAliveLoadFailsNoRequest() async throws {
            let server = try await RunningServer.start()
            let clients = (0..<8).map { KeepAliveClient(port: server.port, json: sampleJSON($0)) }
            let finished = clients.map { client in
                let done = DispatchSemaphore(value: 0)
                Thread { client.run(until: { false }); done.signal() }.start()
                return done
            }
            try await Task.sleep(for: .milliseconds(500))
            try await server.stop()
            // Each client sends until the server no longer takes connections.
            for done in finished { done.wait() }
            #expect(clients.allSatisfy { $0.refused == 1 })
            let answered = clients.reduce(into: [Int: Int]()) { total, c in total.merge(c.answered, uniquingKeysWith: +) }
            #expect(clients.allSatisfy { $0.failed == 0 }, "requests lost at shutdown: \(clients.map(\.failed))")
            #expect(answered.keys.allSatisfy { $0 == 200 }, "\(answered)")
            #expect((answered[200] ?? 0) >= 8, "\(answered)")
        }
    }
}
