import Foundation

/// What a cache was prepared from, file by file: size and modification time of each table and
/// image read, so a changed or replaced file is noticed without reading it again.
public struct SourceFingerprint: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        /// Relative to the dataset folder.
        public var path: String
        public var size: Int64
        /// Modification time, nanoseconds since 1970.
        public var modified: Int64
    }
    /// The dataset folder as given when preparing (messages name it).
    public var folder: String
    public var files: [File]

    /// The fingerprint of `paths` (relative to `folder`) as they are now; a missing file is
    /// recorded with size −1.
    public static func current(folder: String, paths: [String]) -> SourceFingerprint {
        SourceFingerprint(folder: folder, files: paths.map { path in
            var s = stat()
            guard stat((folder as NSString).appendingPathComponent(path), &s) == 0 else { return File(path: path, size: -1, modified: 0) }
            return File(path: path, size: Int64(s.st_size), modified: Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec))
        })
    }

    /// What differs from `self` (the recorded fingerprint) in the same files now, one line each.
    public func changes(now: SourceFingerprint) -> [String] {
        zip(files, now.files).compactMap { (was, now) -> String? in
            let name = (folder as NSString).appendingPathComponent(was.path)
            if was.size < 0 || now.size < 0 {
                return was.size == now.size ? nil : now.size < 0 ? "\(name) is gone" : "\(name) appeared (it was missing when prepared)"
            }
            if was.size != now.size { return "\(name) changed size (\(was.size) → \(now.size) bytes)" }
            if was.modified != now.modified {
                return "\(name) was modified (\(Self.time(was.modified)) → \(Self.time(now.modified)))"
            }
            return nil
        }
    }

    static func time(_ nanoseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9))
    }
}
