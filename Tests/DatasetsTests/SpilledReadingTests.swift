import Foundation
import Support
import Testing
@testable import Datasets

/// The pieces `prepare` builds a cache from when the data does not fit: a table read into
/// files block by block reads back as the table read into memory, and a column written piece by
/// piece is the file (and checksums) of one write.
@Suite struct SpilledReadingTests {
    func scratch() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fl-spill-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// A table of every column type, with missing and repeated values, `rows` rows.
    func text(rows: Int) -> [UInt8] {
        var s = "user:token,time:float,kind:token,tags:token_seq,price:float\n"
        for r in 0..<rows {
            let price = r % 17 == 0 ? "" : r % 29 == 0 ? "nan" : "\(Double(r) * 0.25)"
            s += "u\(r / 7),\(1_700_000_000 + r * 13),\(["view", "buy", "\"a,b\"", ""][r % 4]),t\(r % 5) t\(r % 3),\(price)\n"
            if r % 11 == 0 { s += "\n" }  // blank lines move the line numbers
        }
        return Array(s.utf8)
    }

    @Test(arguments: [1, 2]) func aSpilledTableReadsBackAsTheTableReadInMemory(threads: Int) throws {
        let bytes = text(rows: 5_000), folder = scratch()
        var memorySource = MemoryByteSource(bytes: bytes), spillSource = MemoryByteSource(bytes: bytes)
        let memory = try TableReader.read(&memorySource, file: "t.csv", delimiter: UInt8(ascii: ","), sizeHint: bytes.count,
                                          blockSize: 4096, threads: threads, minimumPieceBytes: 512)
        let spill = try SpilledColumns(folder: folder + "/spill", file: "t.csv")
        var spilled = try TableReader.read(&spillSource, file: "t.csv", delimiter: UInt8(ascii: ","), sizeHint: nil,
                                           blockSize: 4096, threads: threads, minimumPieceBytes: 512, spill: spill)
        spilled.spilled = spill
        #expect(spilled.rowCount == memory.rowCount && spilled.lines.isEmpty)
        #expect(spilled.column("user")!.tokenIDs == [], "the values are in the files, not in memory")
        let loaded = spilled.loading(["user", "time", "kind", "price"])
        for name in ["user", "kind"] {
            #expect(loaded.column(name)!.tokenIDs == memory.column(name)!.tokenIDs, "\(name)")
            #expect(loaded.column(name)!.tokens.strings == memory.column(name)!.tokens.strings, "\(name)'s interner")
        }
        for name in ["time", "price"] {
            #expect(loaded.column(name)!.floatValues!.map(\.bitPattern) == memory.column(name)!.floatValues!.map(\.bitPattern), "\(name)")
        }
        for c in memory.columns {
            #expect(spilled.column(c.name)!.firstMissing == c.firstMissing && spilled.column(c.name)!.firstInfinite == c.firstInfinite, "\(c.name)'s noted fields")
        }
        for row in [0, 1, 2_345, 4_999] { #expect(spilled.line(row) == Int(memory.lines[row])) }
        spill.remove()
        #expect(!FileManager.default.fileExists(atPath: folder + "/spill"))
    }

    @Test func aColumnWrittenInPiecesIsTheColumnWrittenWhole() throws {
        var random = SystemRandomNumberGenerator()
        let values = (0..<(3 * CacheWriter.blockBytes / 4 + 12_345)).map { _ in Float(bitPattern: random.next()) }
        let whole = scratch(), pieces = scratch()
        try FileManager.default.createDirectory(atPath: whole + "/columns", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: pieces + "/columns", withIntermediateDirectories: true)
        let a = try values.withUnsafeBytes { try CacheWriter.writeColumn("x", .float32, [values.count], $0, into: whole) }
        let writer = try ColumnFileWriter("x", .float32, [values.count], folder: pieces)
        var start = 0
        for size in [0, 1, 262_143, 262_145, 1, 0, 500_000] + [Int](repeating: 77_777, count: 100) where start < values.count {
            let end = min(values.count, start + size)
            try writer.append(Array(values[start..<end]))
            start = end
        }
        try writer.append(Array(values[start...]))
        let b = try writer.finish()
        #expect(a.checksums == b.checksums && a.bytes == b.bytes && a.bytes == values.count * 4 && a.file == b.file)
        let data = try #require(FileManager.default.contents(atPath: pieces + "/" + b.file))
        #expect(data == FileManager.default.contents(atPath: whole + "/" + a.file))
        // Each checksum is the CRC-32C of its block.
        #expect(b.checksums.count == 4 && b.checksums == data.withUnsafeBytes { raw in
            stride(from: 0, to: raw.count, by: CacheWriter.blockBytes).map {
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[$0..<min($0 + CacheWriter.blockBytes, raw.count)]))
            }
        })
    }
}
