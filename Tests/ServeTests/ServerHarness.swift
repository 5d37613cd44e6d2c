import Foundation
import Testing
import Lab
import ServiceLifecycle
import UnixSignals
import Support
@testable import Serve

/// A `ScoreServer` on the tiny run, listening on a free loopback port in this process.
final class RunningServer: Sendable {
    let server: ScoreServer
    let port: Int
    let task: Task<Void, any Error>
    var client: TestHTTPClient { TestHTTPClient(port: port) }

    struct NeverListened: Error {}

    /// `configure` edits the defaults (loopback, port 0, the tiny run's dataset).
    static func start(signals: [UnixSignal] = [], _ configure: (inout ServeConfiguration) -> Void = { _ in }) async throws -> RunningServer {
        var c = ServeConfiguration()
        c.port = 0
        configure(&c)
        let server = try ScoreServer(runFolder: TinyRun.run, configuration: c)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await server.run(signals: signals) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw NeverListened()
        }
        return RunningServer(server: server, port: port, task: task)
    }

    private init(server: ScoreServer, port: Int, task: Task<Void, any Error>) {
        self.server = server; self.port = port; self.task = task
    }

    /// Graceful shutdown, waited for.
    func stop() async throws {
        await server.shutdown()
        try await task.value
    }
}

/// The JSON text of a batch request.
func batch(_ samples: [String]) -> String { "{\"samples\": [" + samples.joined(separator: ",") + "]}" }

/// One sample's JSON from the tiny shop's labels.
func sampleJSON(_ k: Int, cutoff: Bool = true) -> String {
    let l = TinyRun.labels[k]
    return "{\"sample_id\": \"\(l.sampleID)\", \"user_id\": \"\(l.userID)\", \"item_id\": \"\(l.itemID)\"" + (cutoff ? ", \"cutoff\": \(l.cutoff)" : "") + "}"
}

/// The same sample as `RunScorer` takes it.
func sampleInput(_ k: Int) -> SampleInput {
    let l = TinyRun.labels[k]
    return SampleInput(sampleID: l.sampleID, key: l.userID, userID: l.userID, targetItemID: l.itemID, cutoff: Double(l.cutoff)!)
}

extension JSONValue {
    /// The array's element `i`, nil when out of range or not an array.
    subscript(i: Int) -> JSONValue? {
        guard let a = arrayValue, a.indices.contains(i) else { return nil }
        return a[i]
    }
}

/// A CSV line's fields (quoted fields with commas and doubled quotes as `fusionlab score` writes them).
func csvFields(_ line: String) -> [String] {
    var fields: [String] = [], field = "", quoted = false
    var chars = line.makeIterator()
    while let c = chars.next() {
        if quoted {
            if c == "\"" { quoted = false } else { field.append(c) }
        } else if c == "\"" {
            if field.last == "\"" || (!field.isEmpty) { field.append(c) }
            quoted = true
        } else if c == "," { fields.append(field); field = "" } else { field.append(c) }
    }
    fields.append(field)
    return fields
}

/// Every suite of ServeTests, one at a time: servers and scorers in one process share
/// OpenBLAS's threads, and GEMMs run side by side do not give the same last bits (the equality
/// tests compare bits).
@Suite(.serialized) enum ServeSuites {}
