import Foundation
import Support

/// One cache column written piece by piece, rows in order, with a CRC-32C per block of
/// `CacheWriter.blockBytes` however the pieces fall: a column made chunk by chunk is the file a
/// single write of the whole array makes.
final class ColumnFileWriter {
    let name: String
    let dtype: CacheDType
    let shape: [Int]
    let file: String
    let path: String
    private let stream: DurableFile.Stream
    private var checksums: [UInt32] = []
    private var block = CRC32C()
    private var inBlock = 0
    private var bytes = 0

    /// The column `name` under `folder`/columns/.
    init(_ name: String, _ dtype: CacheDType, _ shape: [Int], folder: String) throws(CacheError) {
        self.name = name; self.dtype = dtype; self.shape = shape
        file = "columns/" + name.map { $0 == "/" ? "_" : $0 }.map(String.init).joined() + ".bin"
        path = (folder as NSString).appendingPathComponent(file)
        do { stream = try DurableFile.Stream(path: path) } catch { throw .write(path: path, reason: error.reason) }
    }

    func append(_ piece: UnsafeRawBufferPointer) throws(CacheError) {
        var start = 0
        while start < piece.count {
            let end = min(piece.count, start + CacheWriter.blockBytes - inBlock)
            let part = UnsafeRawBufferPointer(rebasing: piece[start..<end])
            block.update(part)
            inBlock += part.count
            if inBlock == CacheWriter.blockBytes { closeBlock() }
            start = end
        }
        do {
            try stream.writing { handle in
                for start in Swift.stride(from: 0, to: piece.count, by: 64 * CacheWriter.blockBytes) {
                    let chunk = UnsafeRawBufferPointer(rebasing: piece[start..<min(start + 64 * CacheWriter.blockBytes, piece.count)])
                    try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: chunk.baseAddress!), count: chunk.count, deallocator: .none))
                }
            }
        } catch {
            throw .write(path: path, reason: error.reason)
        }
        bytes += piece.count
    }

    func append<T>(_ values: [T]) throws(CacheError) {
        precondition(MemoryLayout<T>.stride == dtype.size, "column \(name) holds \(dtype.rawValue)")
        try values.withUnsafeBytes { raw in Result { () throws(CacheError) in try append(raw) } }.get()
    }

    private func closeBlock() {
        checksums.append(block.value)
        block = CRC32C()
        inBlock = 0
    }

    /// Flushes the file and returns its manifest entry; the pieces must have filled `shape`.
    func finish() throws(CacheError) -> CacheColumn {
        precondition(bytes == shape.reduce(dtype.size, *) || dtype == .utf8, "column \(name) does not match its shape")
        if inBlock > 0 { closeBlock() }
        do { try stream.commit() } catch { throw .write(path: path, reason: error.reason) }
        return CacheColumn(name: name, dtype: dtype, shape: shape, file: file, bytes: bytes, blockBytes: CacheWriter.blockBytes, checksums: checksums)
    }
}
