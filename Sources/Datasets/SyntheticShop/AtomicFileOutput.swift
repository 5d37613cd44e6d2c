import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
}

/// A file written under a temporary name (`<name>.partial`) and renamed into place when
/// complete, so readers never see half a file. Writes go straight to the C stream.
final class AtomicFileOutput {
    let path: String
    private let partialPath: String
    private var file: UnsafeMutablePointer<FILE>?

    init(path: String) throws(ShopWriteError) {
        self.path = path
        partialPath = path + ".partial"
        file = fopen(partialPath, "wb")
        guard file != nil else { throw .io(path: partialPath, reason: "cannot create (\(String(cString: strerror(errno))))") }
    }

    deinit {
        if let file {
            fclose(file)
            unlink(partialPath)
        }
    }

    func write(_ bytes: [UInt8]) throws(ShopWriteError) {
        guard let file else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw .io(path: partialPath, reason: "write failed (\(String(cString: strerror(errno))))") }
    }

    /// Closes the file and renames it into place.
    func commit() throws(ShopWriteError) {
        guard let file else { return }
        self.file = nil
        guard fclose(file) == 0 else { throw .io(path: partialPath, reason: "close failed (\(String(cString: strerror(errno))))") }
        guard rename(partialPath, path) == 0 else {
            throw .io(path: path, reason: "cannot rename from \(partialPath) (\(String(cString: strerror(errno))))")
        }
    }

    /// Writes a whole file atomically.
    static func write(_ bytes: [UInt8], to path: String) throws(ShopWriteError) {
        let output = try AtomicFileOutput(path: path)
        try output.write(bytes)
        try output.commit()
    }
}
