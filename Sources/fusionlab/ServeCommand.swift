import ArgumentParser
import Foundation
import Lab
import Serve

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Score samples over HTTP with a trained run folder.",
        discussion: """
        Loads RUN (a published neural run folder, as for `fusionlab score`) and the dataset its samples are looked up \
        in (--data, default the run config's data.path), then answers POST /v1/score (one sample or {"samples": [...]}: \
        user_id, item_id, optional cutoff, sample_id, session_id, image, and the sample's own profile, attributes and events rows), GET /v1/model, GET /healthz and GET /metrics \
        (Prometheus). Concurrent requests share one forward pass (up to --max-batch samples, waiting at most \
        --max-wait-ms under load); a full queue answers 503 with Retry-After. Binds loopback unless --host says \
        otherwise, which then needs --token-file. SIGTERM or SIGINT: stops accepting, finishes what is in flight, exits 0. \
        The API is described in docs/serve-openapi.json.
        """)

    @Argument(help: "A run folder, e.g. Results/default/runs/full/seed-0.")
    var runFolder: String

    @Option(help: "Address to bind (a non-loopback one needs --token-file).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed once listening).")
    var port = 8080

    @Option(help: ArgumentHelp("Dataset folder the samples' users, items and events are looked up in (default: the run config's data.path).", valueName: "folder"))
    var data: String?

    @Option(help: ArgumentHelp("File holding the bearer token every request but /healthz must carry.", valueName: "file"))
    var tokenFile: String?

    @Option(help: "Most samples one forward pass coalesces from concurrent requests (1: no micro-batching).")
    var maxBatch = 64

    @Option(help: "Longest a request waits for others to share its forward pass, under load only (milliseconds).")
    var maxWaitMs = 2.0

    @Option(help: "Most samples waiting for the scorer; past it requests get 503 with Retry-After.")
    var queueLimit = 4096

    @Option(help: "Most connections open at once (with --max-body-bytes, bounds the memory requests take).")
    var maxConnections = 256

    @Option(help: "On SIGTERM, how long an idle keep-alive connection stays open for a last request, answered with Connection: close (milliseconds).")
    var drainMs = 1000

    @Option(help: "Largest request body in bytes (413 past it).")
    var maxBodyBytes = 1 << 20

    @Option(help: "Most samples one request may hold.")
    var maxSamples = 512

    @Option(help: "Most pixels (width x height) of an image given inline in a request.")
    var maxImagePixels = 4096 * 4096

    @Option(help: "Most events one sample may give inline (its \"events\").")
    var maxEvents = 1000

    @Option(help: ArgumentHelp("Samples whose user_id, item_id or session_id the dataset lacks: reject (404 naming the id) or mask (scored with the missing modalities masked).", valueName: "policy"))
    var unknownIds = "reject"

    @Flag(help: "Leave out the per-modality attribution (one forward pass per batch instead of one per modality).")
    var noAttribution = false

    @Option(help: ArgumentHelp("Score with the Linear and convolution weights quantised: int8 (per output channel, activations per row; scores move slightly).", valueName: "type"))
    var quantize: String?

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if let quantize, WeightQuantization.named(quantize) == nil { throw ValidationError("--quantize must be one of \(WeightQuantization.choices), got \"\(quantize)\"") }
        if UnknownIDPolicy(rawValue: unknownIds) == nil { throw ValidationError("--unknown-ids must be reject or mask, got \"\(unknownIds)\"") }
    }

    func run() throws {
        try reportingErrors {
            var c = ServeConfiguration()
            c.host = host; c.port = port; c.dataFolder = data; c.tokenFile = tokenFile; c.threads = threadOptions.threads
            c.maxBatch = maxBatch; c.maxWaitMilliseconds = maxWaitMs; c.queueLimit = queueLimit; c.maxConnections = maxConnections
            c.drainMilliseconds = drainMs
            c.limits.maxBodyBytes = maxBodyBytes; c.limits.maxSamplesPerRequest = maxSamples
            c.limits.maxImagePixels = maxImagePixels
            c.limits.maxEventsPerSample = maxEvents
            c.unknownIDs = UnknownIDPolicy(rawValue: unknownIds)!
            c.attribution = !noAttribution
            c.quantization = quantize.flatMap(WeightQuantization.named)
            try c.validate()
            let server = try ScoreServer(runFolder: runFolder, configuration: c)
            let host = self.host.contains(":") ? "[\(self.host)]" : self.host
            try waitFor {
                try await server.run { port in
                    // Whole line at once, unbuffered: a script waits for it on a pipe.
                    FileHandle.standardOutput.write(Data("serving \(runFolder) on http://\(host):\(port) (POST /v1/score, GET /v1/model, /healthz, /metrics)\n".utf8))
                }
            }
            print("stopped: every request in flight was answered")
        }
    }
}

/// Runs `body` to its end from synchronous code (the command's `run`), on the concurrency pool.
private func waitFor(_ body: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable { var error: (any Error)? }
    let outcome = Outcome(), done = DispatchSemaphore(value: 0)
    Task.detached {
        do { try await body() } catch { outcome.error = error }
        done.signal()
    }
    done.wait()
    if let error = outcome.error { throw error }
}
