import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Datasets
import Lab
import Logging
import ServiceLifecycle
import UnixSignals

/// `fusionlab serve`: a run folder answering HTTP (Hummingbird). `init` loads the run and its
/// dataset once (seconds); `run` listens until SIGTERM or SIGINT (or `shutdown()`), then stops
/// accepting connections, finishes the requests in flight — the worker scores everything
/// queued — and returns. Endpoints: `POST /v1/score`, `GET /v1/model`, `GET /healthz`,
/// `GET /metrics` (docs/serve-openapi.json).
public final class ScoreServer: Sendable {
    public let configuration: ServeConfiguration
    let model: ModelSummary
    let known: KnownIDs
    let inline: InlineColumns
    let worker: ScoringWorker
    let metrics = ServeMetrics()
    let token: [UInt8]?
    let logger: Logger
    private let state = ServerState()

    /// Per path, the one method it takes.
    public static let endpoints = ["/v1/score": "POST", "/v1/model": "GET", "/healthz": "GET", "/metrics": "GET"]

    /// Loads `runFolder` and the dataset its samples are looked up in (`configuration.dataFolder`,
    /// default the run config's `data.path`).
    public init(runFolder: String, configuration: ServeConfiguration, logger: Logger = Logger(label: "fusionlab.serve")) throws {
        try configuration.validate()
        token = try configuration.tokenFile.map { path throws(ServeSetupError) in Array(try BearerToken.read(path: path).utf8) }
        let scorer = try RunScorer(runFolder: runFolder, threads: configuration.threads, quantization: configuration.quantization)
        let data = try scorer.data(folder: configuration.dataFolder ?? scorer.options.dataPath)
        self.configuration = configuration
        self.logger = logger
        known = KnownIDs(data)
        inline = InlineColumns(data: data, reads: scorer.readModalities)
        model = ModelSummary(scorer: scorer, configuration: configuration, inline: inline)
        worker = ScoringWorker(scorer: scorer, data: data, configuration: configuration, metrics: metrics, logger: logger)
    }

    /// Serves until a signal in `signals` (or `shutdown()`) ends it gracefully; `onListening`
    /// gets the bound port (the one asked for, or the free one given for port 0).
    public func run(signals: [UnixSignal] = [.sigterm, .sigint], onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let address = "\(configuration.host):\(configuration.port)"
        let grace = TimeAmount.milliseconds(Int64(configuration.drainMilliseconds))
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(additionalChannelHandlers: [DrainingHandler(grace: grace)], idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil,
                                 availableConnectionsDelegate: .maximum(configuration.maxConnections, logger: logger)),
            onServerRunning: { [state] channel in
                state.listening()
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        state.group = group
        defer { worker.stop() }
        do {
            try await group.run()
        } catch {
            guard state.hasListened else { throw ServeSetupError.cannotBind(address: address, message: "\(error)") }
            throw error
        }
    }

    /// Stops accepting connections, finishes what is in flight and makes `run` return.
    public func shutdown() async {
        await state.group?.triggerGracefulShutdown()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ServeMiddleware(metrics: metrics, logger: logger, limits: configuration.limits))
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        router.post("/v1/score") { [self] request, _ in try await score(request) }
        router.get("/v1/model") { [model] _, _ in Self.json(model.description) }
        router.get("/healthz") { _, _ in Self.json("{\"status\":\"ok\"}\n") }
        router.get("/metrics") { [metrics] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        return router
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `POST /v1/score`: media type, size, JSON, ids — each refused with its own 4xx — then the
    /// samples queued for the worker's next batch.
    func score(_ request: Request) async throws -> Response {
        let type = request.headers[.contentType]
        guard let type, type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json" else {
            throw ServeError.unsupportedMediaType(type)
        }
        let limit = configuration.limits.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw ServeError.bodyTooLarge(limit: limit) }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch { throw ServeError.bodyTooLarge(limit: limit) }
        let parsed = try ScoreRequest.parse(Array(buffer: body), limits: configuration.limits, sequenceKey: model.sequenceKey,
                                            readsImages: model.readsImages, inline: inline)
        try known.check(parsed, policy: configuration.unknownIDs, profileTaken: inline.profile != nil)
        let samples = parsed.samples.map { s in
            SampleInput(sampleID: s.sampleID, key: s.sessionID ?? s.userID, userID: s.userID, targetItemID: s.itemID, cutoff: s.cutoff, image: s.image,
                        rows: s.rows)
        }
        let scores = try await worker.submit(samples)
        metrics.samplesScored.increment(by: Int64(scores.count))
        return Self.json(ScoreResponse.render(scores, model: model))
    }
}

/// What `run` and `shutdown` share: the service group once running, whether it ever listened.
final class ServerState: @unchecked Sendable {
    private let lock = NSLock()
    private var _group: ServiceGroup?
    private var _listened = false

    var group: ServiceGroup? {
        get { lock.withLock { _group } }
        set { lock.withLock { _group = newValue } }
    }
    var hasListened: Bool { lock.withLock { _listened } }
    func listening() { lock.withLock { _listened = true } }
}
