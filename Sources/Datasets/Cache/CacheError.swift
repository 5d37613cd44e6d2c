/// Why a prepared-data cache (`fusionlab prepare`) cannot be used, each naming the file.
public enum CacheError: Error, CustomStringConvertible, Equatable {
    /// No cache there, or not one this version reads.
    case unreadable(path: String, reason: String)
    /// A column's bytes are not the bytes written (checksum or size).
    case corrupt(file: String, reason: String)
    /// The data or the config fields it was prepared from have changed since.
    case stale(cache: String, changes: [String])
    /// The cache cannot serve what was asked of it.
    case unsupported(cache: String, reason: String)
    case write(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): \(reason)"
        case let .corrupt(file, reason):
            "\(file): the prepared cache is corrupt: \(reason); prepare it again (fusionlab prepare … --force)"
        case let .stale(cache, changes):
            "\(cache): the prepared cache is stale (\(changes.count) change\(changes.count == 1 ? "" : "s") since it was prepared): "
                + changes.prefix(5).joined(separator: "; ") + (changes.count > 5 ? "; and \(changes.count - 5) more" : "") + "; prepare it again (fusionlab prepare … --force) or remove data.cache"
        case let .unsupported(cache, reason): "\(cache): \(reason)"
        case let .write(path, reason): "cannot write \(path): \(reason)"
        }
    }
}
