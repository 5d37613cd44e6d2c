import Foundation
import Lab
import Support

/// What the server tells about the model it serves, read once at start: the columns of its
/// answers and `GET /v1/model`'s body (config, schema, metrics, versions, the server's limits).
/// Paths of the server's file system (the config's `data.path`, `output.directory`, the run
/// folder's absolute location) are not shown.
struct ModelSummary: Sendable {
    static let apiVersion = "v1"

    let threshold: Double
    let sequenceKey: String
    let readsImages: Bool
    let attributionColumns: [String]
    let surpriseColumns: [String]
    /// `GET /v1/model`'s body, rendered once.
    let description: String

    init(scorer: RunScorer, configuration: ServeConfiguration, inline: InlineColumns) {
        threshold = scorer.threshold
        sequenceKey = scorer.artefacts.data.sequenceKey
        readsImages = scorer.modalities.contains(.image)
        attributionColumns = scorer.attributionColumns
        surpriseColumns = scorer.surpriseColumns

        let hidden = JSONValue.string("(not shown)")
        var config = scorer.config
        if config["data"]?["path"] != nil { config = config.setting(["data", "path"], to: hidden) }
        if config["output"]?["directory"] != nil { config = config.setting(["output", "directory"], to: hidden) }
        let schema = (try? JSONEncoder().encode(scorer.artefacts.schema)).flatMap { try? JSONParser.parse(String(decoding: $0, as: UTF8.self)) } ?? .null
        let metricsPath = (scorer.folder as NSString).appendingPathComponent("metrics.json")
        let metrics = (try? String(contentsOfFile: metricsPath, encoding: .utf8)).flatMap { try? JSONParser.parse($0) } ?? .null
        // Results/<study>/runs/<variant>/seed-N → <study>/runs/<variant>/seed-N
        let run = (scorer.folder as NSString).standardizingPath.split(separator: "/").suffix(4).joined(separator: "/")
        let limits = configuration.limits
        let body: JSONValue = .object([
            ("api_version", .string(Self.apiVersion)),
            ("preprocessing_format", .number(Double(RunArtefacts.currentFormat))),
            ("run", .string(run)),
            ("threshold", .number(threshold)),
            ("sequence_key", .string(sequenceKey)),
            ("modalities", .array(scorer.modalities.map { .string($0.rawValue) })),
            ("attribution_columns", .array(attributionColumns.map { .string($0) })),
            ("surprise_columns", .array(surpriseColumns.map { .string($0) })),
            ("unknown_ids", .string(configuration.unknownIDs.rawValue)),
            ("quantization", .string(configuration.quantization?.rawValue ?? "none")),
            ("inline_columns", inline.summary),
            ("limits", .object([
                ("max_body_bytes", .number(Double(limits.maxBodyBytes))),
                ("max_samples_per_request", .number(Double(limits.maxSamplesPerRequest))),
                ("max_id_length", .number(Double(limits.maxIDLength))),
                ("max_events_per_sample", .number(Double(limits.maxEventsPerSample))),
                ("max_image_pixels", .number(Double(limits.maxImagePixels))),
                ("queue_limit", .number(Double(configuration.queueLimit))),
                ("max_connections", .number(Double(configuration.maxConnections))),
            ])),
            ("batching", .object([
                ("max_batch", .number(Double(configuration.maxBatch))),
                ("max_wait_ms", .number(configuration.maxWaitMilliseconds)),
            ])),
            ("config", config),
            ("schema", schema),
            ("metrics", metrics),
        ])
        description = CompactJSON.render(body) + "\n"
    }
}
