import Datasets
import Support

/// The columns a sample's inline rows may hold, and the rules their values follow: those of
/// the server's users, items and events tables (which preparation checked against the run's
/// fit), typed as their headers declare them — a `:token` is a string, a `:float` a number, a
/// `:token_seq` an array of words, a `:float_seq` an array of numbers; null or left out is a
/// missing value (an empty field), refused where the dataset loader refuses one. The ids a
/// sample gives (`user_id`, `item_id`, the sequence key) are the rows' own: a row may repeat
/// them, not contradict them.
struct InlineColumns: Sendable {
    /// The sample fields that hold inline rows.
    static let parts = ["profile", "attributes", "events"]

    struct Table: Sendable {
        /// What messages call it (`users.csv`, as the dataset loader does).
        var file: String
        var columns: [ColumnSpec]
        /// Columns every row must have a value in.
        var required: Set<String>
        /// Columns a request may not give, and why.
        var refused: [String: String] = [:]
        /// Float columns holding unix seconds (the range `cutoff` has).
        var times: Set<String> = []

        func spec(_ name: String) -> ColumnSpec? { columns.first { $0.name == name } }
        var listing: String { columns.filter { refused[$0.name] == nil }.map { "\($0.name):\($0.type.rawValue)" }.joined(separator: ", ") }
    }

    var events: Table
    /// nil when the server cannot take the part, with why (`unavailable`).
    var profile: Table?
    var attributes: Table?
    var unavailable: [String: String] = [:]
    var sequenceKey: String

    /// `reads`: the modalities the run's model or its consistency heads read.
    init(data: PreparationContext, reads: Set<Modality>) {
        let raw = data.raw
        sequenceKey = raw.sequenceKey
        events = Table(file: raw.events.file, columns: raw.events.specs, required: raw.eventTypeAdded ? ["timestamp"] : ["timestamp", "event_type"],
                       times: ["timestamp"])
        func entity(_ table: AtomicTable?, _ part: String, _ modality: Modality, _ idColumn: String) -> Table? {
            guard reads.contains(modality) else {
                unavailable[part] = "this model reads no \(modality.rawValue) modality; leave \(part) out"
                return nil
            }
            guard let table else {
                unavailable[part] = "the dataset this server loaded has no \(idColumn == "user_id" ? "users" : "items") table, so its columns are unknown; leave \(part) out"
                return nil
            }
            return Table(file: table.file, columns: table.specs, required: [])
        }
        profile = entity(raw.users, "profile", .profile, "user_id")
        attributes = entity(raw.items, "attributes", .attributes, "item_id")
        attributes?.refused["image"] = "a request never names a file: give the picture as base64 in the sample's image field"
    }

    /// `GET /v1/model`'s listing: per part, its columns and types.
    var summary: JSONValue {
        func table(_ t: Table?) -> JSONValue {
            guard let t else { return .null }
            return .object(t.columns.filter { t.refused[$0.name] == nil }.map { ($0.name, .string($0.type.rawValue)) })
        }
        return .object([("events", table(events)), ("profile", table(profile)), ("attributes", table(attributes))])
    }

    // MARK: parsing

    /// A sample's `profile`, `attributes` and `events`, checked; nil when it gives none.
    /// `ids`: the sample's own ids by column (`user_id`, `item_id`, the key).
    func parse(_ sample: JSONValue, path: String, ids: [String: String], limits: RequestLimits) throws(ServeError) -> InlineRows? {
        var rows = InlineRows()
        var any = false
        for part in Self.parts {
            guard let value = sample[part], value != .null else { continue }
            let at = path + "." + part
            if let why = unavailable[part] { throw .invalidJSON(why, path: at) }
            any = true
            switch part {
            case "profile": rows.profile = try row(value, path: at, table: profile!, ids: ["user_id": ids["user_id"]!], what: "a profile row")
            case "attributes": rows.attributes = try row(value, path: at, table: attributes!, ids: ["item_id": ids["item_id"]!], what: "an attribute row")
            default:
                guard let list = value.arrayValue else {
                    throw .invalidJSON("expected an array of event objects (column → value), found \(value.found)", path: at)
                }
                guard list.count <= limits.maxEventsPerSample else {
                    throw .invalidJSON("\(list.count) events; a sample may hold at most \(limits.maxEventsPerSample) (the server's --max-events)", path: at)
                }
                var keyIDs = ["user_id": ids["user_id"]!]
                keyIDs[sequenceKey] = ids[sequenceKey]
                var events: [InlineRow] = []
                events.reserveCapacity(list.count)
                for (k, e) in list.enumerated() { events.append(try row(e, path: "\(at)[\(k)]", table: self.events, ids: keyIDs, what: "an event")) }
                rows.events = events
            }
        }
        return any ? rows : nil
    }

    /// One row: an object of `table`'s columns, each value of its column's type.
    private func row(_ value: JSONValue, path: String, table: Table, ids: [String: String], what: String) throws(ServeError) -> InlineRow {
        guard let pairs = value.objectPairs else { throw .invalidJSON("expected \(what) as an object (column → value), found \(value.found)", path: path) }
        var row: InlineRow = [:]
        for (name, v) in pairs {
            let at = path + ScoreRequest.member(name)
            guard let spec = table.spec(name) else {
                throw .invalidJSON("unknown column \(JSONValue.quote(String(name.prefix(100)))); the columns of \(table.file) are \(table.listing)", path: at)
            }
            if let why = table.refused[name] { throw .invalidJSON("\(name) may not be given: \(why)", path: at) }
            if let id = ids[name] {
                guard v == .null || v.stringValue == id else {
                    throw .invalidJSON("\(name) is the sample's \(JSONValue.quote(String(id.prefix(100)))); leave it out or give the same, found \(v.found)", path: at)
                }
                continue
            }
            if let parsed = try field(v, spec: spec, time: table.times.contains(name), path: at) { row[name] = parsed }
        }
        for name in table.required.sorted() where row[name] == nil {
            let message = table.spec(name)?.type == .float
                ? ValueRules.notFiniteRequired(name, found: value[name] == nil ? "nothing (the column is left out)" : "null")
                : ValueRules.emptyRequired(name, file: table.file)
            throw .invalidJSON(message, path: path + "." + name)
        }
        return row
    }

    /// A value of column `spec`: nil for a missing one (null, or an empty token as an empty field).
    private func field(_ v: JSONValue, spec: ColumnSpec, time: Bool, path: String) throws(ServeError) -> FieldValue? {
        if v == .null { return nil }
        let declared = "column \"\(spec.name)\" is declared :\(spec.type.rawValue); leave it out or null for a missing value"
        switch spec.type {
        case .token:
            guard let s = v.stringValue else { throw .invalidJSON("expected a string (\(declared)), found \(v.found)", path: path) }
            return s.isEmpty ? nil : .token(s)
        case .float:
            guard let d = v.doubleValue else { throw .invalidJSON("\(v.found) is not a number (\(declared))", path: path) }
            if time, !(0...1e11).contains(d) {
                throw .invalidJSON("expected unix seconds between 0 and 1e11, found \(JSONValue.format(d))", path: path)
            }
            return .float(d)
        case .tokenSequence:
            guard let list = v.arrayValue else { throw .invalidJSON("expected an array of strings (\(declared)), found \(v.found)", path: path) }
            var words: [String] = []
            for (k, w) in list.enumerated() {
                guard let s = w.stringValue, !s.isEmpty, !s.contains(" ") else {
                    throw .invalidJSON("expected a word (a non-empty string without spaces, as a :token_seq field's), found \(w.found)", path: "\(path)[\(k)]")
                }
                words.append(s)
            }
            return .tokens(words)
        case .floatSequence:
            guard let list = v.arrayValue else { throw .invalidJSON("expected an array of numbers (\(declared)), found \(v.found)", path: path) }
            var numbers: [Double] = []
            for (k, n) in list.enumerated() {
                guard let d = n.doubleValue else { throw .invalidJSON("\(n.found) is not a number (\(declared))", path: "\(path)[\(k)]") }
                numbers.append(d)
            }
            return .floats(numbers)
        }
    }
}
