import Support

/// `data.cache` and the config fields a cache must have been prepared with: every field of the
/// `data` section but where the data and the cache live and how a missing shop is generated.
public struct PreparedCacheOptions: Sendable, Hashable {
    public var path: String
    /// Dotted path → compact JSON of each field that shapes the prepared columns.
    public var shapedBy: [String: String]

    init(path: String, data: JSONValue) {
        self.path = path
        shapedBy = Self.shapingFields(of: data)
    }

    /// The leaves of a validated `data` section (defaults filled), but `path`, `cache` and `generate`.
    public static func shapingFields(of data: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ value: JSONValue, _ path: String) {
            if let pairs = value.objectPairs {
                for (key, child) in pairs { walk(child, path + "." + key) }
            } else {
                out[path] = value.oneLine
            }
        }
        for (key, value) in data.objectPairs ?? [] where !["path", "cache", "generate"].contains(key) { walk(value, "data." + key) }
        return out
    }
}
