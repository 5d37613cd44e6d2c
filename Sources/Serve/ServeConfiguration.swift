import Foundation

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
    public var limits = RequestLimits()
    public var unknownIDs = UnknownIDPolicy.reject
    /// Per-modality attribution in every answer (one more forward pass per modality).
    public var attribution = true

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
    /// The longest id (`sample_id`, `user_id`, `item_id`, `session_id`) in characters.
    public var maxIDLength = 256
    public init() {}
}

/// What a sample whose `user_id`, `item_id` (or `session_id`) the loaded dataset lacks gets.
public enum UnknownIDPolicy: String, Sendable, CaseIterable {
    /// 404 naming the id and its JSON path; nothing of the request is scored.
    case reject
    /// Scored with what is missing masked (a user with no history and no profile: sequence and
    /// profile masked; an item with no row: attributes and image masked), as `fusionlab score`
    /// does; the answer's `missing_modalities` says which.
    case mask
}

/// A setting `fusionlab serve` cannot start with.
public enum ServeSetupError: Error, CustomStringConvertible, Equatable {
    case invalidOption(option: String, message: String)
    case tokenRequired(host: String)
    case tokenFile(path: String, message: String)
    case cannotBind(address: String, message: String)

    public var description: String {
        switch self {
        case let .invalidOption(option, message): "\(option) \(message)"
        case let .tokenRequired(host):
            "--host \(host) is not a loopback address: serving beyond this machine needs --token-file FILE (a bearer token every request must carry)"
        case let .tokenFile(path, message): "--token-file \(path): \(message)"
        case let .cannotBind(address, message): "cannot listen on \(address): \(message)"
        }
    }
}

/// The bearer token of `--token-file`: the file's content without surrounding white space, at
/// least 16 characters.
public enum BearerToken {
    public static func read(path: String) throws(ServeSetupError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .tokenFile(path: path, message: "cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw .tokenFile(path: path, message: "is not UTF-8 text") }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16 else { throw .tokenFile(path: path, message: "holds \(token.count) characters; a token needs at least 16") }
        guard token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .tokenFile(path: path, message: "must be one line of printable ASCII without spaces (an HTTP header carries it)")
        }
        return token
    }
}
