import Support

public enum ShopWriteError: Error, CustomStringConvertible, Equatable {
    case folderNotEmpty(String)
    case notAFolder(String)
    case io(path: String, reason: String)
    case imageEncoding(path: String, reason: String)

    public var description: String {
        switch self {
        case let .folderNotEmpty(path):
            "\(path) already exists and is not empty; choose another folder or pass --force to overwrite the dataset in it"
        case let .notAFolder(path): "\(path) exists and is not a folder"
        case let .io(path, reason): "\(path): \(reason)"
        case let .imageEncoding(path, reason): "\(path): cannot encode the picture: \(reason)"
        }
    }

    /// A failed atomic write of one of the shop's files.
    init(_ error: DurableFile.WriteError) { self = .io(path: error.path, reason: error.reason) }
}
