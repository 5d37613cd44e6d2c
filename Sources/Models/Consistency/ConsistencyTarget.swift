import Tensor
import Datasets
import Support

/// The field a consistency head predicts, and where a batch holds it.
public enum ConsistencyTarget: Sendable, Hashable {
    /// A token column of the profile or attributes (`attributes.category_id`).
    case categorical(Modality, column: Int, name: String, size: Int)
    /// A standardised float column, as its training-quantile bucket (`attributes.price`).
    case floatBucket(Modality, column: Int, name: String, edges: [Float], missingColumn: Int?)
    /// A token field of the most recent event (`sequence.last.device`).
    case lastEvent(field: String, size: Int)
    /// A token field of every event of the window (`sequence.events.event_type`), judged per event.
    case eventToken(field: String, size: Int)
    /// A standardised per-event float (`sequence.events.rating`), as its training-quantile bucket
    /// (`DatasetSchema.sequenceFloatEdges`), judged per event.
    case eventFloatBucket(field: String, column: Int, edges: [Float])

    /// Judged per event of the window (the sample's surprise aggregates its events').
    public var isPerEvent: Bool {
        switch self {
        case .eventToken, .eventFloatBucket: true
        default: false
        }
    }

    public var modality: Modality {
        switch self {
        case let .categorical(m, _, _, _), let .floatBucket(m, _, _, _, _): m
        case .lastEvent, .eventToken, .eventFloatBucket: .sequence
        }
    }

    public var classes: Int {
        switch self {
        case let .categorical(_, _, _, size): size
        case let .floatBucket(_, _, _, edges, _): edges.count + 1
        case let .lastEvent(_, size), let .eventToken(_, size): size
        case let .eventFloatBucket(_, _, edges): edges.count + 1
        }
    }

    public var path: String {
        switch self {
        case let .categorical(m, _, name, _), let .floatBucket(m, _, name, _, _): "\(m.rawValue).\(name)"
        case let .lastEvent(field, _): "sequence.last.\(field)"
        case let .eventToken(field, _), let .eventFloatBucket(field, _, _): "sequence.events.\(field)"
        }
    }

    /// The target class per row — per event `[B × L]` for `isPerEvent` targets — −1 where there
    /// is none (padding, unknown or missing value).
    public func labels(_ batch: Batch) -> [Int32] {
        let b = batch.size
        switch self {
        case let .eventToken(field, _):
            guard let tokens = batch.sequenceTokens[field] else { return Array(repeating: -1, count: b * batch.sequencePadding.shape[1]) }
            let length = tokens.shape[1]
            var out = [Int32](repeating: -1, count: b * length)
            for r in 0..<b {
                for p in 0..<min(Int(batch.sequenceLengths[r]), length) {
                    let v = tokens.values[r * length + p]
                    if v > Vocabulary.missing { out[r * length + p] = v }
                }
            }
            return out
        case let .eventFloatBucket(_, column, edges):
            let f = batch.sequenceFloats, length = f.shape[1], width = f.shape[2], x = f.pointer
            var out = [Int32](repeating: -1, count: b * length)
            for r in 0..<b {
                for p in 0..<min(Int(batch.sequenceLengths[r]), length) {
                    if let missing = batch.sequenceFloatMissing, missing[(r * length + p) * width + column] != 0 { continue }
                    let v = x[(r * length + p) * width + column]
                    out[r * length + p] = Int32(ConsistencyTarget.bucket(v, edges: edges))
                }
            }
            return out
        case let .categorical(m, column, _, _):
            guard let c = m == .profile ? batch.profileCategorical : batch.attributeCategorical else { return Array(repeating: -1, count: b) }
            let width = c.shape[1]
            // 0 padding, 1 unknown, 2 missing (see `Vocabulary`): nothing to predict.
            return (0..<b).map { r in let v = c.values[r * width + column]; return v > Vocabulary.missing ? v : -1 }
        case let .floatBucket(m, column, _, edges, missingColumn):
            guard let f = m == .profile ? batch.profileFloats : batch.attributeFloats else { return Array(repeating: -1, count: b) }
            let width = f.shape[1], p = f.pointer
            return (0..<b).map { r in
                if let missingColumn, p[r * width + missingColumn] != 0 { return -1 }
                return Int32(ConsistencyTarget.bucket(p[r * width + column], edges: edges))
            }
        case let .lastEvent(field, _):
            guard let tokens = batch.sequenceTokens[field] else { return Array(repeating: -1, count: b) }
            let length = tokens.shape[1]
            return (0..<b).map { r in
                let n = Int(batch.sequenceLengths[r])
                guard n > 0 else { return -1 }
                let v = tokens.values[r * length + n - 1]
                return v > 0 ? v : -1
            }
        }
    }

    /// Resolves `sequence.last.<field>`, `sequence.events.<field>`, `profile.<column>` or
    /// `attributes.<column>` against a dataset.
    static func parse(_ text: String, schema: DatasetSchema, path: String) throws(ConfigError) -> ConsistencyTarget {
        let parts = text.split(separator: ".", maxSplits: 2).map(String.init)
        if parts.count == 3, parts[0] == "sequence", parts[1] == "events" {
            if let field = schema.sequenceTokens.first(where: { $0.name == parts[2] }) { return .eventToken(field: field.name, size: field.size) }
            // Floats without spread have no edges, hence one class: nothing to predict.
            let edges = schema.sequenceFloatEdges ?? []
            let bucketable = schema.sequenceFloats.indices.filter { $0 < edges.count && !edges[$0].isEmpty }
            if let k = bucketable.first(where: { schema.sequenceFloats[$0] == parts[2] }) {
                return .eventFloatBucket(field: parts[2], column: k, edges: edges[k])
            }
            let fields = schema.sequenceTokens.map(\.name) + bucketable.map { schema.sequenceFloats[$0] }
            throw ConfigError(path: path, message: "the events have no field \"\(parts[2])\" to predict; they have \(fields.joined(separator: ", "))")
        }
        if parts.count == 3, parts[0] == "sequence", parts[1] == "last" {
            guard let field = schema.sequenceTokens.first(where: { $0.name == parts[2] }) else {
                throw ConfigError(path: path, message: "the sequence has no token field \"\(parts[2])\"; it has \(schema.sequenceTokens.map(\.name).joined(separator: ", "))")
            }
            return .lastEvent(field: field.name, size: field.size)
        }
        guard parts.count == 2, let m = Modality(rawValue: parts[0]), m == .profile || m == .attributes else {
            throw ConfigError(path: path, message: "\"\(text)\" is not a target; write profile.<column>, attributes.<column>, sequence.last.<field> or sequence.events.<field>")
        }
        guard let table = m == .profile ? schema.profile : schema.attributes else {
            throw ConfigError(path: path, message: "the dataset has no \(m.rawValue) table")
        }
        if let k = table.categorical.firstIndex(where: { $0.name == parts[1] }) {
            return .categorical(m, column: k, name: parts[1], size: table.categorical[k].size)
        }
        // Bucketable floats are the entries with training quantiles: not missing or token indicators.
        let edges = table.quantileEdges ?? []
        let bucketable = table.floatNames.indices.filter { $0 < edges.count && !edges[$0].isEmpty }
        if let k = bucketable.first(where: { table.floatNames[$0] == parts[1] }) {
            return .floatBucket(m, column: k, name: parts[1], edges: edges[k], missingColumn: table.floatNames.firstIndex(of: parts[1] + ":missing"))
        }
        let columns = table.categorical.map(\.name) + bucketable.map { table.floatNames[$0] }
        throw ConfigError(path: path, message: "\(m.rawValue) has no column \"\(parts[1])\"; it has \(columns.joined(separator: ", "))")
    }
}

extension ConsistencyTarget {
    /// The bucket of `value` among ascending `edges`: how many edges it exceeds.
    public static func bucket(_ value: Float, edges: [Float]) -> Int {
        var k = 0
        for e in edges where value > e { k += 1 }
        return k
    }
}
