import Foundation
import Lab

/// Everything `fusionlab serve` is told: where to listen, how to batch, what a request may hold
/// and what to do with ids the loaded dataset does not have. `validate()` refuses a setting a
/// user can fix, by its option's name.
public struct ServeConfiguration: Sendable {
    /// The address to bind: loopback by default; any other needs a bearer token (`tokenFile`).
    public var host = "127.0.0.1"
    /// 0: any free port (tests); the bound port is reported once listening.
    public var port = 8080
    /// The dataset folder whose users, items and events the samples are looked up in; nil: the
    /// run config's `data.path`.
    public var dataFolder: String?
    /// A file whose only content is the bearer token every request but `/healthz` must carry.
    public var tokenFile: String?
    /// Compute threads (nil: the run's own `threads`, else all cores).
    public var threads: Int?
    /// Most samples one forward pass coalesces from concurrent requests (1: no micro-batching).
    public var maxBatch = 64
    /// Longest a request waits for others to share its forward pass, in milliseconds; only
    /// while the server is under load (the previous batch held several requests, or several
    /// are queued), so that a lone request never waits.
    public var maxWaitMilliseconds = 2.0
    /// Most samples waiting for the worker; past it a request gets 503 with Retry-After.
    public var queueLimit = 4096
    /// Most connections open at once (further ones wait in the listen backlog): with the body
    /// limit, it bounds the memory requests can take (`maxConnections × maxBodyBytes`).
    public var maxConnections = 256
    /// On a graceful shutdown, how long an idle keep-alive connection stays open for one last
    /// request (answered with `Connection: close`) before it is closed.
    public var drainMilliseconds = 1000
    public var limits = RequestLimits()
    public var unknownIDs = UnknownIDPolicy.reject
    /// Per-modality attribution in every answer (one more forward pass per modality).
    public var attribution = true
    /// The run's weights converted for scoring (`--quantize`; nil: float32, as trained).
    public var quantization: WeightQuantization?

    public init() {}

    /// Loopback addresses: 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in UInt8(p).map { String($0) == p } ?? false }
    }

    public func validate() throws(ServeSetupError) {
        func positive(_ value: Int, _ option: String) throws(ServeSetupError) {
            guard value >= 1 else { throw .invalidOption(option: option, message: "must be at least 1, got \(value)") }
        }
        guard (0...65535).contains(port) else { throw .invalidOption(option: "--port", message: "must be 0…65535, got \(port)") }
        try positive(maxBatch, "--max-batch")
        try positive(queueLimit, "--queue-limit")
        try positive(maxConnections, "--max-connections")
        try positive(limits.maxBodyBytes, "--max-body-bytes")
        try positive(limits.maxSamplesPerRequest, "--max-samples")
        try positive(limits.maxImagePixels, "--max-image-pixels")
        try positive(limits.maxEventsPerSample, "--max-events")
        guard (0...60_000).contains(drainMilliseconds) else {
            throw .invalidOption(option: "--drain-ms", message: "must be 0…60000, got \(drainMilliseconds)")
        }
        guard maxWaitMilliseconds >= 0, maxWaitMilliseconds <= 1000, maxWaitMilliseconds.isFinite else {
            throw .invalidOption(option: "--max-wait-ms", message: "must be 0…1000, got \(maxWaitMilliseconds)")
        }
        guard limits.maxSamplesPerRequest <= queueLimit else {
            throw .invalidOption(option: "--max-samples", message: "\(limits.maxSamplesPerRequest) is above --queue-limit \(queueLimit): such a request could never be queued")
        }
        if let threads { try positive(threads, "--threads") }
        if tokenFile == nil, !Self.isLoopback(host) {
            throw .tokenRequired(host: host)
        }
    }
}

/// What one request may hold.
public struct RequestLimits: Sendable {
    /// The largest request body accepted (413 past it, read no further).
    public var maxBodyBytes = 1 << 20
    /// The most samples one `POST /v1/score` may hold.
    public var maxSamplesPerRequest = 512
    /// The most inline events one sample may hold (`events`).
    public var maxEventsPerSample = 1000
    /// The longest id (`sample_id`, `user_id`, `item_id`, `session_id`) in characters.
    public var maxIDLength = 256
    /// The most pixels (width × height, from its header) an inline image may have: decoding
    /// takes 3 bytes a pixel, whatever the file's size.
    public var maxImagePixels = 4096 * 4096
    public init() {}
}
