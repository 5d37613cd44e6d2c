import Foundation
import Support

/// The column files of a prepared cache, open for reading: a batch's rows are copied with
/// `pread` straight into the batch's buffers, so what stays resident is the batch, not the
/// dataset (pages read go to the kernel's page cache, which can drop them; a mapping would count
/// every touched page as this process's). Each checksum block is verified the first time one of
/// its rows is read, so a process reads and verifies only the blocks of its samples.
public final class CachedColumns: @unchecked Sendable {
    public let folder: String
    private let columns: [String: (column: CacheColumn, descriptor: Int32)]
    /// Guards `verified` and `blockBuffer` (a batch may be built on any thread).
    private let lock = NSLock()
    private var verified: [String: [Bool]]
    private var blockBuffer: UnsafeMutableRawPointer

    init(folder: String, manifest: CacheManifest) throws(CacheError) {
        self.folder = folder
        var open: [String: (CacheColumn, Int32)] = [:]
        var verified: [String: [Bool]] = [:]
        var blockBytes = CacheWriter.blockBytes
        for c in manifest.columns {
            let path = (folder as NSString).appendingPathComponent(c.file)
            let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                for (_, (_, d)) in open { close(d) }
                throw .corrupt(file: path, reason: "the column \(c.name) cannot be opened (\(String(cString: strerror(errno))))")
            }
            open[c.name] = (c, fd)
            var s = stat()
            if fstat(fd, &s) != 0 || Int(s.st_size) != c.bytes {
                for (_, (_, d)) in open { close(d) }
                throw .corrupt(file: path, reason: "the column \(c.name) is \(s.st_size) bytes, the manifest says \(c.bytes) (truncated or replaced)")
            }
            guard c.checksums.count == (c.bytes + c.blockBytes - 1) / max(c.blockBytes, 1) else {
                for (_, (_, d)) in open { close(d) }
                throw .corrupt(file: (folder as NSString).appendingPathComponent(CacheManifest.fileName),
                               reason: "the column \(c.name) lists \(c.checksums.count) checksums for \(c.bytes) bytes")
            }
            verified[c.name] = [Bool](repeating: false, count: c.checksums.count)
            blockBytes = max(blockBytes, c.blockBytes)
        }
        columns = open
        self.verified = verified
        blockBuffer = UnsafeMutableRawPointer.allocate(byteCount: blockBytes, alignment: 64)
    }

    deinit {
        for (_, entry) in columns { close(entry.descriptor) }
        blockBuffer.deallocate()
    }

    func has(_ name: String) -> Bool { columns[name] != nil }

    /// Copies row `samples[r]` of column `name` to `destination + r × rowBytes`, for every r.
    public func gather(_ name: String, samples: [Int], into destination: UnsafeMutableRawPointer) throws(CacheError) {
        guard let (c, fd) = columns[name] else { preconditionFailure("the cache has no column \(name)") }
        let row = c.rowBytes
        guard row > 0 else { return }
        for (r, s) in samples.enumerated() {
            precondition(s >= 0 && (s + 1) * row <= c.bytes, "row \(s) is outside column \(name)")
            try ensureVerified(c, fd: fd, bytes: (s * row)..<((s + 1) * row))
            try readFully(fd, into: destination + r * row, count: row, at: s * row, column: c)
        }
    }

    /// The whole column, verified (the per-sample columns a dataset keeps in memory).
    func readAll<T>(_ name: String, as: T.Type) throws(CacheError) -> [T] {
        guard let (c, fd) = columns[name] else { preconditionFailure("the cache has no column \(name)") }
        precondition(c.bytes % MemoryLayout<T>.stride == 0)
        try ensureVerified(c, fd: fd, bytes: 0..<c.bytes)
        var failure: CacheError?
        let out = [T](unsafeUninitializedCapacity: c.bytes / MemoryLayout<T>.stride) { buffer, count in
            if c.bytes > 0 {
                do throws(CacheError) { try readFully(fd, into: UnsafeMutableRawPointer(buffer.baseAddress!), count: c.bytes, at: 0, column: c) } catch { failure = error }
            }
            count = buffer.count
        }
        if let failure { throw failure }
        return out
    }

    /// The `count` strings of a `utf8` column (`count + 1` offsets, then the bytes).
    func readStrings(_ name: String, count: Int) throws(CacheError) -> [String] {
        let bytes: [UInt8] = try readAll(name, as: UInt8.self)
        let path = (folder as NSString).appendingPathComponent(columns[name]!.column.file)
        let textStart = (count + 1) * 8
        return try bytes.withUnsafeBytes { raw in Result { () throws(CacheError) -> [String] in
            guard raw.count >= textStart else { throw .corrupt(file: path, reason: "the string column \(name) is shorter than its \(count + 1) offsets") }
            var out = [String]()
            out.reserveCapacity(count)
            var previous = 0
            for i in 0..<count {
                let next = Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: (i + 1) * 8, as: Int64.self)))
                guard next >= previous, textStart + next <= raw.count else {
                    throw .corrupt(file: path, reason: "the string column \(name) has a bad offset at row \(i)")
                }
                out.append(String(decoding: UnsafeRawBufferPointer(rebasing: raw[(textStart + previous)..<(textStart + next)]), as: UTF8.self))
                previous = next
            }
            return out
        } }.get()
    }

    private func ensureVerified(_ c: CacheColumn, fd: Int32, bytes: Range<Int>) throws(CacheError) {
        guard !bytes.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        for block in (bytes.lowerBound / c.blockBytes)...((bytes.upperBound - 1) / c.blockBytes) where !verified[c.name]![block] {
            let start = block * c.blockBytes, count = min(c.blockBytes, c.bytes - start)
            try readFully(fd, into: blockBuffer, count: count, at: start, column: c)
            let found = CRC32C.checksum(UnsafeRawBufferPointer(start: blockBuffer, count: count))
            guard found == c.checksums[block] else {
                throw .corrupt(file: (folder as NSString).appendingPathComponent(c.file),
                               reason: "the column \(c.name) fails its checksum in bytes \(start)..<\(start + count) (CRC-32C \(hex(found)), the manifest says \(hex(c.checksums[block])))")
            }
            verified[c.name]![block] = true
        }
    }

    private func readFully(_ fd: Int32, into destination: UnsafeMutableRawPointer, count: Int, at offset: Int, column c: CacheColumn) throws(CacheError) {
        var done = 0
        while done < count {
            let n = pread(fd, destination + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw .corrupt(file: (folder as NSString).appendingPathComponent(c.file),
                               reason: n == 0 ? "the column \(c.name) ends before byte \(offset + count)" : "reading the column \(c.name): \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    private func hex(_ v: UInt32) -> String { String(format: "%08x", v) }
}
