import CDelimitedText
import Foundation
import Testing
@testable import Datasets

/// The block-parallel reader against the reference single pass: random tables with every
/// quoting, line-ending and number form, read with blocks and pieces small enough that cuts
/// fall everywhere, must give the same values, token order, lines and errors.
@Suite struct BlockedReadingTests {
    /// A small deterministic generator (SplitMix64), so every failure can be replayed by seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
        mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
    }

    static let header = "user:token,when:float,kind:token,tags:token_seq,scores:float_seq,note:token\n"

    /// One field, quoted when it must be (or at random when it may be).
    static func field(_ text: String, _ r: inout Random) -> String {
        let needsQuotes = text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")
        guard needsQuotes || r.chance(0.1) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func number(_ r: inout Random) -> String {
        switch r.below(12) {
        case 0: return ""
        case 1: return "\(r.below(1000))"
        case 2: return "-\(r.below(100)).\(r.below(1000))"
        case 3: return "1702047045.\(r.below(1000))"
        case 4: return "\(r.below(10))e\(r.below(40) - 20)"
        case 5: return "12345678901234567890.5"          // too long for the fast path
        case 6: return "0.\(String(repeating: "0", count: r.below(25)))\(1 + r.below(9))"
        case 7: return r.pick(["nan", "inf", "-inf", "+3", ".5", "5.", "-0", " 7 ", "\t8"])
        case 8: return "9007199254740993"                 // 2^53 + 1: strtod rounds
        case 9: return "0.1"
        default: return "\(r.below(100)).\(r.below(10))"
        }
    }

    static func row(_ r: inout Random, users: Int) -> String {
        let user = r.chance(0.05) ? "" : "u\(r.below(users))" + (r.chance(0.1) ? "_with_a_long_suffix_\(r.below(5))" : "")
        let kind = r.pick(["view", "click", "buy", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", "", "é", "s12345678_9"])
        let tags = (0..<r.below(4)).map { _ in r.pick(["x", "yy", "zzz", "t\(r.below(50))"]) }.joined(separator: r.pick([" ", "  "]))
        let scores = (0..<r.below(3)).map { _ in r.pick(["1", "2.5", "-3e2", "0.25"]) }.joined(separator: " ")
        let note = r.chance(0.3) ? "" : "n\(r.below(20_000))"
        let fields = [field(user, &r), number(&r), field(kind, &r), field(tags, &r), field(scores, &r), field(note, &r)]
        let ending = r.pick(["\n", "\n", "\n", "\r\n"]) + (r.chance(0.03) ? r.pick(["\n", "\r\n"]) : "")
        return fields.joined(separator: ",") + ending
    }

    static func table(seed: UInt64, rows: Int) -> [UInt8] {
        var r = Random(state: seed)
        var text = (r.chance(0.5) ? "\u{FEFF}" : "") + header
        for _ in 0..<rows { text += row(&r, users: 1 + rows / 20) }
        if r.chance(0.5), text.hasSuffix("\n") { text.removeLast() }  // last record without a line end
        return Array(text.utf8)
    }

    /// Reading configurations: the default, tiny blocks, and tiny blocks cut into pieces.
    static let configurations: [(blockSize: Int, threads: Int, minimumPieceBytes: Int)] = [
        (32 << 20, 1, 1 << 20), (64, 1, 1 << 20), (97, 2, 1), (512, 2, 16), (1000, 3, 8), (4096, 4, 64),
    ]

    func read(_ bytes: [UInt8], _ c: (blockSize: Int, threads: Int, minimumPieceBytes: Int)) -> Result<ReferenceTable, DatasetError> {
        Result { () throws(DatasetError) -> ReferenceTable in
            ReferenceTable(try AtomicTable.parse(bytes: bytes, file: "t.csv", delimiter: UInt8(ascii: ","),
                                                 blockSize: c.blockSize, threads: c.threads, minimumPieceBytes: c.minimumPieceBytes))
        }
    }

    @Test(arguments: 0..<12)
    func matchesTheReference(seed: Int) throws {
        let bytes = Self.table(seed: UInt64(seed), rows: 300 + seed * 40)
        let expected = try ReferenceCSVParser.parse(bytes, file: "t.csv")
        #expect(expected.lines.count == 300 + seed * 40)
        for c in Self.configurations {
            switch read(bytes, c) {
            case let .success(got): #expect(got.firstDifference(from: expected) == nil, "seed \(seed), blocks of \(c.blockSize), \(c.threads) threads")
            case let .failure(error): Issue.record("seed \(seed), blocks of \(c.blockSize), \(c.threads) threads: \(error)")
            }
        }
    }

    /// Text without quotes and carriage returns, which the reader scans on its fast path: blank
    /// lines, empty fields, a last record without a line end, and a record with one field too few
    /// or too many planted somewhere; values and the first error as the reference's.
    @Test(arguments: 0..<8)
    func plainTextMatchesTheReference(seed: Int) {
        var r = Random(state: UInt64(500 + seed))
        var text = "user:token,when:float,kind:token,tags:token_seq\n"
        for k in 0..<(200 + 30 * seed) {
            if r.chance(0.02) { text += "\n" }
            let fields = [r.chance(0.05) ? "" : "u\(r.below(40))", Self.number(&r).trimmingCharacters(in: .whitespaces),
                          r.pick(["view", "click", "", "é"]), r.chance(0.5) ? "" : "t\(r.below(9)) x"]
            var record = fields.joined(separator: ",")
            if seed % 4 == 1 && k == 150 { record += ",extra" }
            if seed % 4 == 2 && k == 120 { record = fields.prefix(3).joined(separator: ",") }
            text += record + "\n"
        }
        if seed % 2 == 1 { text.removeLast() }
        let bytes = Array(text.utf8)
        #expect(!bytes.contains(13) && !bytes.contains(34))
        let expected = Result { () throws(DatasetError) -> ReferenceTable in try ReferenceCSVParser.parse(bytes, file: "t.csv") }
        if case .success = expected, [1, 2].contains(seed % 4) { Issue.record("seed \(seed): the planted fault was accepted") }
        for c in Self.configurations {
            let got = read(bytes, c)
            switch (got, expected) {
            case let (.success(got), .success(expected)): #expect(got.firstDifference(from: expected) == nil, "seed \(seed), blocks of \(c.blockSize)")
            case let (.failure(got), .failure(expected)): #expect("\(got)" == "\(expected)", "seed \(seed), blocks of \(c.blockSize)")
            default: Issue.record("seed \(seed), blocks of \(c.blockSize): \(got) against the reference's \(expected)")
            }
        }
    }

    /// A fault planted late in the file: every configuration reports the reference's error.
    @Test(arguments: 0..<10)
    func reportsTheSameFirstError(seed: Int) {
        var r = Random(state: UInt64(1000 + seed))
        var bytes = Self.table(seed: UInt64(seed), rows: 400)
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        let faults = ["u1,abc,view,,,\n", "u1,1,x\"y,,,\n", "u1,1,view\n", "u1,1,\"open,,,\n", "u1,1,\"v\"w,,,\n", "u1,1,view,,,,\n"]
        let fault = Array(faults[seed % faults.count].utf8)
        var text = bytes
        let cut = text.count * (5 + r.below(4)) / 10
        // Insert the fault at the record boundary after `cut`.
        let position = text.withUnsafeBufferPointer { RecordBoundaries.first(in: $0, start: 0, from: cut, to: $0.count) } ?? text.count
        text.insert(contentsOf: fault, at: position)
        let expected = Result { () throws(DatasetError) -> ReferenceTable in try ReferenceCSVParser.parse(text, file: "t.csv") }
        guard case .failure = expected else { Issue.record("seed \(seed): the planted fault was accepted"); return }
        for c in Self.configurations {
            #expect(read(text, c) == expected, "seed \(seed), blocks of \(c.blockSize), \(c.threads) threads")
        }
    }

    /// Record boundaries found without counting quotes (the range known to hold none) are the
    /// ones found by counting, and a range with a quote is never taken for quote-free.
    @Test func quoteFreeBoundariesAreTheCountedOnes() {
        var r = Random(state: 23)
        for n in 0..<400 {
            let bytes = (0..<n).map { _ in r.pick(Array("a,\n1.".utf8) + (n % 3 == 0 ? [34] : [])) }
            bytes.withUnsafeBufferPointer { b in
                let free = RecordBoundaries.quoteFree(b, from: 0, to: n)
                #expect(free == !bytes.contains(34), "length \(n)")
                guard free else { return }
                #expect(RecordBoundaries.last(in: b, from: 0, to: n, quoteFree: true) == RecordBoundaries.last(in: b, from: 0, to: n), "length \(n)")
                for from in stride(from: 0, through: n, by: 7) {
                    #expect(RecordBoundaries.first(in: b, start: 0, from: from, to: n, quoteFree: true)
                            == RecordBoundaries.first(in: b, start: 0, from: from, to: n), "length \(n), from \(from)")
                }
            }
        }
    }

    /// The reader's first stage against a byte loop: every length around the 16- and 64-byte
    /// strides, every stop byte and its neighbours, and the sentinel bits past the end.
    @Test func stopBitmapMarksExactlyTheStopBytes() {
        var r = Random(state: 7)
        let alphabet: [UInt8] = Array(",\t\n\r\"a0".utf8) + [0x2B, 0x2D, 0x21, 0x23, 0x0B, 0x0C, 0x0E, 0x80, 0xFF]
        for delimiter in [UInt8(ascii: ","), UInt8(ascii: "\t")] {
            for n in 0..<600 {
                // Half the texts without quotes and carriage returns, whose reader takes the fast path.
                let plain = alphabet.filter { $0 != 13 && $0 != 34 }
                var bytes = (0..<(n % 300)).map { _ in r.pick(n < 300 ? alphabet : plain) }
                if n >= 300 && !bytes.isEmpty && r.chance(0.2) { bytes[r.below(bytes.count)] = r.chance(0.5) ? 13 : 34 }
                let n = bytes.count
                var bits = [UInt64](repeating: 0xDEAD_BEEF, count: n / 64 + 1)
                let special = bytes.withUnsafeBufferPointer { b in fl_delimited_stops(b.baseAddress, n, delimiter, &bits) }
                #expect((special != 0) == (bytes.contains(13) || bytes.contains(34)), "length \(n): quote or CR reported \(special)")
                for j in 0..<(bits.count * 64) {
                    let marked = bits[j / 64] >> UInt64(j % 64) & 1 == 1
                    let expected = j >= n || [delimiter, 10, 13, 34].contains(bytes[j])
                    if marked != expected { Issue.record("length \(n), byte \(j) (\(j < n ? bytes[j] : 0)): marked \(marked)"); return }
                }
            }
        }
    }

    /// Found by the CSV fuzzer: a space before a combining mark is one Character to Swift, but
    /// sequences split at the space byte (and numbers trim it), in the reader and the reference alike.
    @Test func aSpaceBeforeACombiningMarkStillSeparates() throws {
        let bytes = Array("tags:token_seq,scores:float_seq\nx \u{59D}y,1 \u{59D}\n".utf8)
        let expected = Result { () throws(DatasetError) -> ReferenceTable in try ReferenceCSVParser.parse(bytes, file: "t.csv") }
        #expect(read(bytes, Self.configurations[0]) == expected)
        let table = try AtomicTable.parse(bytes: Array("tags:token_seq\nx \u{59D}y\n".utf8), file: "t.csv")
        #expect(table.columns[0].tokens.strings == ["x", "\u{59D}y"])
        let tags = try ReferenceCSVParser.parse(Array("tags:token_seq\nx \u{59D}y\n".utf8), file: "t.csv").columns[0]
        #expect(tags.tokens == ["x", "\u{59D}y"])
    }

    @Test func readsAFileInBlocks() throws {
        let bytes = Self.table(seed: 99, rows: 3000)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fl-blocks-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var source = FileByteSource(descriptor: open(path, O_RDONLY), file: "t.csv")
        defer { close(source.descriptor) }
        let table = try TableReader.read(&source, file: "t.csv", delimiter: UInt8(ascii: ","), sizeHint: bytes.count,
                                         blockSize: 4096, threads: 2, minimumPieceBytes: 256)
        #expect(ReferenceTable(table).firstDifference(from: try ReferenceCSVParser.parse(bytes, file: "t.csv")) == nil)
        #expect(ReferenceTable(try AtomicTable.read(path: path, displayName: "t.csv")) == ReferenceTable(table))
    }

    /// The room reserved for a large file's rows is mapped in one call before it is written: the
    /// values already there stay, and the call reports that the kernel mapped the pages.
    @Test func populatingReservedRoomKeepsTheValues() {
        var values = (0..<1000).map(Int32.init)
        values.reserveMapped(1 << 20)
        #expect(values.capacity >= 1 << 20)
        #expect(values == (0..<1000).map(Int32.init))
        values.append(contentsOf: repeatElement(7, count: (1 << 20) - 1000))
        #expect(values.count == 1 << 20 && values[999] == 999 && values[1000] == 7)
        var room = [UInt8](repeating: 3, count: 3 << 20)
        let mapped = room.withUnsafeMutableBufferPointer { fl_populate_pages($0.baseAddress!, $0.count) }
        #if os(Linux)
        let kernel = ProcessInfo.processInfo.operatingSystemVersion
        if (kernel.majorVersion, kernel.minorVersion) >= (5, 14) { #expect(mapped == 1, "MADV_POPULATE_WRITE is in Linux 5.14 and later") }
        #endif
        #expect(room.allSatisfy { $0 == 3 })
    }

    /// A token column with more distinct values than the cache holds (the reader then prefetches
    /// table slots rows ahead), repeated and unseen values mixed, read whole and in pieces.
    @Test func aTokenColumnLargerThanTheCacheReadsAsTheReference() throws {
        var r = Random(state: 42)
        var text = "item:token,shop:token\n"
        for _ in 0..<300_000 {
            let item = r.chance(0.3) ? "" : "i\(r.below(200_000))"
            text += (r.chance(0.2) ? "\"\(item)\"" : item) + ",s\(r.below(3))\n"
        }
        let bytes = Array(text.utf8)
        let expected = try ReferenceCSVParser.parse(bytes, file: "t.csv")
        for c in [(32 << 20, 1, 1 << 20), (1 << 20, 2, 4096)] {
            let got = try AtomicTable.parse(bytes: bytes, file: "t.csv", delimiter: UInt8(ascii: ","),
                                            blockSize: c.0, threads: c.1, minimumPieceBytes: c.2)
            #expect(got.columns[0].tokens.isLarge, "the item table must outgrow the cache for this test to reach the prefetching loop")
            #expect(ReferenceTable(got).firstDifference(from: expected) == nil, "\(c.1) threads")
        }
    }

    /// Session-like ids (runs of new values, now and then one from long ago) make a piece's
    /// builder forget its tokens after every block, item-like ids (a fixed set) never: both must
    /// still read as the single pass, ids in order of first appearance.
    @Test func piecesForgetTokensThatNeverComeBackAndStillReadAsTheReference() throws {
        var r = Random(state: 11)
        var text = "session:token,item:token\n"
        var session = 0
        for _ in 0..<120_000 {
            if r.chance(0.1) { session += 1 }
            let s = r.chance(0.01) ? r.below(session + 1) : session  // an old session comes back
            text += "s\(s),i\(r.below(500))\n"
        }
        let bytes = Array(text.utf8)
        let expected = try ReferenceCSVParser.parse(bytes, file: "t.csv")
        let got = try AtomicTable.parse(bytes: bytes, file: "t.csv", delimiter: UInt8(ascii: ","), blockSize: 64 << 10, threads: 2, minimumPieceBytes: 4096)
        #expect(ReferenceTable(got).firstDifference(from: expected) == nil)

        // The decision itself, on two stretches read into a table and a part.
        func builder(_ rows: String) throws -> TableBuilder {
            var table = TableBuilder(file: "t.csv")
            let b = Array(("session:token,item:token\n" + rows).utf8)
            _ = try b.withUnsafeBufferPointer { (b) throws(DatasetError) in
                try DelimitedReader(file: "t.csv", delimiter: UInt8(ascii: ",")).scan(b, from: 0, to: b.count, firstLine: 1, byteOffset: 0, into: &table)
            }
            return table
        }
        var table = try builder("s1,i1\ns1,i2\ns2,i3\n")
        let part = try builder("s3,i2\ns4,i1\ns4,i3\n")
        var maps: [[Int32]] = [[], []]
        #expect(table.append(rowsOf: part, maps: &maps, lineShift: 3) == [0], "sessions were all new to the table, items all known")
    }

    @Test func decimalFastPathEqualsStrtod() {
        var r = Random(state: 7)
        var texts = ["0", "-0", "0.0", "1.", ".5", "+2.25", "9007199254740992", "9007199254740993", "0.1", "0.3",
                     "123456789012345678", "1234567890123456789", "12345678901234567890", "0.0000000000000000000001",
                     "1702047045.275", "4.3", "-", ".", "1.2.3", "1e5", "", "+", "-.5"]
        for _ in 0..<20_000 {
            let digits = (0..<(1 + r.below(21))).map { _ in String(r.below(10)) }.joined()
            let point = r.below(digits.count + 1)
            texts.append((r.chance(0.3) ? "-" : "") + digits.prefix(point) + (r.chance(0.8) ? "." : "") + digits.dropFirst(point))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let fast = bytes.withUnsafeBufferPointer { b in b.isEmpty ? nil : DecimalParsing.parse(b.baseAddress!, count: b.count) }
            guard let fast else { continue }
            var end: UnsafeMutablePointer<CChar>?
            let reference = text.withCString { strtod($0, &end) }
            #expect(fast.bitPattern == reference.bitPattern, "\(text): \(fast) vs strtod \(reference)")
        }
        // The forms it must take (the common ones) and leave to strtod (the rest).
        #expect(Array("1702047045.275".utf8).withUnsafeBufferPointer { DecimalParsing.parse($0.baseAddress!, count: $0.count) } == 1702047045.275)
        for slow in ["1e5", "nan", "inf", "12345678901234567890", "1.2.3", ".", "-", "1234567a", "12345678x", "1234567890123456789a"] {
            #expect(Array(slow.utf8).withUnsafeBufferPointer { DecimalParsing.parse($0.baseAddress!, count: $0.count) } == nil, "\(slow)")
        }
    }

    @Test func internerHandlesEveryLengthAndGrowth() {
        var interner = TokenInterner(capacity: 1)
        // Tokens sharing prefixes and suffixes at every length around the 4-, 8- and 16-byte loads.
        var words: [String] = [""]
        for length in 1...40 {
            for variant in 0..<30 {
                var chars = Array(repeating: Character("a"), count: length)
                chars[variant % length] = Character(Unicode.Scalar(UInt8(98 + variant / length % 20)))
                words.append(String(chars))
            }
        }
        var seen = Set<String>()
        let distinct = words.filter { seen.insert($0).inserted }
        let ids = words.map { interner.intern($0) }
        #expect(interner.count == distinct.count)
        #expect(interner.strings == distinct)
        for (w, id) in zip(words, ids) {
            #expect(interner.lookup(w) == id)
            #expect(interner.string(id) == w)
        }
        #expect(interner.lookup("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == nil)
        #expect(interner.lookup("b") != nil && interner.lookup("z") == nil)
    }
}
