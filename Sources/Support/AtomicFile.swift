import Foundation

/// Writes a file so that readers see either the old content or the whole new one, never half:
/// the bytes go to a temporary file in the same directory, are flushed to disk, then renamed
/// over the target. An interrupted run leaves no partial CSV, JSON or checkpoint.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Streams the content through `body`, which writes to the handle it is given.
    public static func write(to path: String, _ body: (FileHandle) throws -> Void) throws(WriteError) {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw WriteError(path: path, reason: "cannot create a file in \(directory.path) (does the directory exist and is it writable?)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary.path, path) == 0 else {
                throw WriteError(path: path, reason: String(cString: strerror(errno)))
            }
        } catch let error as WriteError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriteError(path: path, reason: "\(error)")
        }
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
}
