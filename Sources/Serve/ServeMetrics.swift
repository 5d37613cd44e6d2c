import Foundation
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`, text format 0.0.4): requests and errors by
/// route and status, request latency, the batches the worker ran (samples and requests per
/// forward pass), the queue and the 503s it caused.
final class ServeMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    let batchSamples: ValueHistogram
    let batchRequests: ValueHistogram
    let queuedSamples: Gauge
    let overloaded: Counter
    let scoringFailures: Counter
    let samplesScored: Counter
    /// Per route, its latency histogram, made once.
    private let latency: [String: DurationHistogram]
    /// Per (route, method, status) seen, its request counter and (4xx, 5xx) error counter: the
    /// registry would look them up by descriptor and labels on every request otherwise.
    private var answers: [AnswerKey: (requests: Counter, errors: Counter?)] = [:]
    private let answersLock = NSLock()

    private struct AnswerKey: Hashable {
        var route: String, method: String, status: Int
    }

    /// The routes metrics name; any other path is `other` (a client cannot grow the label set).
    static let routes = ["/v1/score", "/v1/model", "/healthz", "/metrics"]
    static let latencyBuckets: [Duration] = [0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5].map { .milliseconds($0 * 1000) }
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    init() {
        batchSamples = registry.makeValueHistogram(descriptor: Self.name("batch", "samples", "Samples per forward pass of the scoring worker"), buckets: Self.batchBuckets)
        batchRequests = registry.makeValueHistogram(descriptor: Self.name("batch", "requests", "Requests coalesced into one forward pass"), buckets: Self.batchBuckets)
        queuedSamples = registry.makeGauge(descriptor: Self.name("queued", "samples", "Samples waiting for the scoring worker"))
        overloaded = registry.makeCounter(descriptor: Self.name("overload_rejections", "total", "Requests refused with 503 because the queue was full"))
        scoringFailures = registry.makeCounter(descriptor: Self.name("scoring_failures", "total", "Requests whose scoring failed inside the server (500)"))
        samplesScored = registry.makeCounter(descriptor: Self.name("samples_scored", "total", "Samples scored"))
        var latency: [String: DurationHistogram] = [:]
        for route in Self.routes + ["other"] {
            latency[route] = registry.makeDurationHistogram(descriptor: Self.name("http_request_duration", "seconds", "Time from a request's arrival to its answer"),
                                                            labels: [("route", route)], buckets: Self.latencyBuckets)
        }
        self.latency = latency
    }

    /// `fusionlab_<metric>_<unit>`.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "fusionlab", metricName: metric, unitName: unit, helpText: help)
    }

    static func route(_ path: String) -> String { routes.contains(path) ? path : "other" }

    /// One answered request (`route` one of `routes` or `other`).
    func record(route: String, method: String, status: Int, duration: Duration) {
        let method = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"].contains(method) ? method : "other"
        let key = AnswerKey(route: route, method: method, status: status)
        let counters = answersLock.withLock {
            if let known = answers[key] { return known }
            let labels = [("route", route), ("method", method), ("status", String(status))]
            let made = (requests: registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered"), labels: labels),
                        errors: status >= 400
                            ? registry.makeCounter(descriptor: Self.name("http_errors", "total", "HTTP requests answered with a 4xx or 5xx status"), labels: labels)
                            : nil)
            answers[key] = made
            return made
        }
        counters.requests.increment()
        counters.errors?.increment()
        latency[route]?.record(duration)
    }

    func text() -> String { registry.emitToString() }
}
