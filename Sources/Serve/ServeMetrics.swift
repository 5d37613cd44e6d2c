import Prometheus

/// The server's Prometheus metrics (`GET /metrics`, text format 0.0.4): requests and errors by
/// route and status, request latency, the batches the worker ran (samples and requests per
/// forward pass), the queue and the 503s it caused.
final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let batchSamples: ValueHistogram
    let batchRequests: ValueHistogram
    let queuedSamples: Gauge
    let overloaded: Counter
    let scoringFailures: Counter
    let samplesScored: Counter

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
    }

    /// `fusionlab_<metric>_<unit>`.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "fusionlab", metricName: metric, unitName: unit, helpText: help)
    }

    static func route(_ path: String) -> String { routes.contains(path) ? path : "other" }

    /// One answered request.
    func record(route: String, method: String, status: Int, duration: Duration) {
        let method = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"].contains(method) ? method : "other"
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered"), labels: labels).increment()
        if status >= 400 {
            registry.makeCounter(descriptor: Self.name("http_errors", "total", "HTTP requests answered with a 4xx or 5xx status"), labels: labels).increment()
        }
        registry.makeDurationHistogram(descriptor: Self.name("http_request_duration", "seconds", "Time from a request's arrival to its answer"),
                                       labels: [("route", route)], buckets: Self.latencyBuckets).record(duration)
    }

    func text() -> String { registry.emitToString() }
}
