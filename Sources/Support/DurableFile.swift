import Foundation

/// Writes a file so that readers see either the old content or the whole new one, never half:
/// the bytes go to a temporary file in the same directory, are flushed to disk, then renamed
/// over the target. An interrupted run leaves no partial CSV, JSON or checkpoint.
public enum DurableFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// A file written piece by piece under a temporary name beside the target
    /// (`.<name>.<uuid>.tmp`), flushed to disk and renamed into place by `commit()`. Released
    /// without a commit (an error on the way), it removes the temporary file.
    public final class Stream {
        public let path: String
        private let temporary: URL
        /// nil once committed.
        private var handle: FileHandle?

        public init(path: String) throws(WriteError) {
            let target = URL(fileURLWithPath: path)
            let directory = target.deletingLastPathComponent()
            self.path = path
            temporary = DurableFile.temporaryPath(for: target)
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw WriteError(path: path, reason: "cannot create a file in \(directory.path) (does the directory exist and is it writable?)")
            }
            do { handle = try FileHandle(forWritingTo: temporary) } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw WriteError(path: path, reason: "\(error)")
            }
        }

        deinit {
            guard let handle else { return }
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
        }

        public func write(_ bytes: [UInt8]) throws(WriteError) {
            try writing { try $0.write(contentsOf: bytes) }
        }

        /// Runs `body` on the open file, for writers that want a `FileHandle`; its errors become `WriteError`s.
        public func writing(_ body: (FileHandle) throws -> Void) throws(WriteError) {
            guard let handle else { return }
            do { try body(handle) } catch let error as WriteError { throw error } catch {
                throw WriteError(path: path, reason: "\(error)")
            }
        }

        /// Flushes the file to disk, closes it and renames it over the target.
        public func commit() throws(WriteError) {
            guard let handle else { return }
            self.handle = nil
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                try? FileManager.default.removeItem(at: temporary)
                throw WriteError(path: path, reason: "\(error)")
            }
            guard rename(temporary.path, path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw WriteError(path: path, reason: reason)
            }
        }
    }

    /// Streams the content through `body`, which writes to the handle it is given.
    public static func write(to path: String, _ body: (FileHandle) throws -> Void) throws(WriteError) {
        let stream = try Stream(path: path)
        try stream.writing(body)
        try stream.commit()
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(WriteError) {
        try write(to: path) { try $0.write(contentsOf: bytes) }
    }

    public static func write(_ text: String, to path: String) throws(WriteError) {
        try write(Array(text.utf8), to: path)
    }

    /// Creates `directory` and its parents if missing.
    public static func createDirectory(_ directory: String) throws(WriteError) {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw WriteError(path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
        }
    }

    /// The temporary file a write of `path` goes through first (`.<name>.<uuid>.tmp` beside it).
    static func temporaryPath(for target: URL) -> URL {
        target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
    }

    /// Removes the temporary files a killed writer left in `directory`. Only safe while no live
    /// writer can own them (the caller holds the folder's lock).
    public static func removeStaleTemporaryFiles(in directory: String) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            try? fm.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }
}
