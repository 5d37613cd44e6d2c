import Foundation
import Testing
@testable import Datasets

/// What the reader notes and refuses while reading (invalid UTF-8; missing and infinite
/// numbers for the loader's rules), at the right line however the file is cut into blocks and
/// pieces.
@Suite struct ReadingValidationTests {
    func parse(_ bytes: [UInt8], _ c: (blockSize: Int, threads: Int, minimumPieceBytes: Int) = (32 << 20, 1, 1 << 20)) throws(DatasetError) -> AtomicTable {
        try AtomicTable.parse(bytes: bytes, file: "t.csv", delimiter: UInt8(ascii: ","),
                              blockSize: c.blockSize, threads: c.threads, minimumPieceBytes: c.minimumPieceBytes)
    }

    func bytes(_ text: String, replacing marker: String = "#", with raw: [UInt8] = [0xE9]) -> [UInt8] {
        var out: [UInt8] = []
        for part in text.components(separatedBy: marker).enumerated() {
            if part.offset > 0 { out += raw }
            out += Array(part.element.utf8)
        }
        return out
    }

    @Test(arguments: [
        ("id:token,name:token\n1,ok\n2,caf#\n", 3, 2, "invalid UTF-8: byte 0xE9 in \"caf\\xE9\"; save the file as UTF-8"),
        ("id:token,name:token\n1,\"say \"\"caf#\"\"\"\n", 2, 2, "invalid UTF-8: byte 0xE9 in \"say \"caf\\xE9\"\"; save the file as UTF-8"),
        ("id:token,tags:token_seq\n1,a b#c d\n", 2, 2, "invalid UTF-8: byte 0xE9 in \"b\\xE9c\"; save the file as UTF-8"),
        ("id:token,n#me:token\n1,x\n", 1, 2, "invalid UTF-8: byte 0xE9 in \"n\\xE9me:token\"; save the file as UTF-8"),
        ("id:token,x:float\n1,2#\n", 2, 2, "\"2\\xE9\" is not a number (column \"x\" is declared :float; leave the field empty for a missing value)"),
    ])
    func invalidUTF8IsAnErrorThatShowsTheBytes(text: String, line: Int, column: Int, message: String) {
        #expect(throws: DatasetError.csv(file: "t.csv", line: line, column: column, message: message)) { try parse(bytes(text)) }
    }

    @Test func utf8ValidationKnowsTheEdgeCases() {
        func firstInvalid(_ b: [UInt8]) -> Int? { b.withUnsafeBufferPointer { FieldText.firstInvalidUTF8($0) } }
        #expect(firstInvalid(Array("plain ascii, long enough for words".utf8)) == nil)
        #expect(firstInvalid(Array("é € 𝄞 — 日本".utf8)) == nil)
        #expect(firstInvalid([0x61, 0xC0, 0xAF]) == 1)                    // overlong "/"
        #expect(firstInvalid([0xED, 0xA0, 0x80]) == 0)                    // a surrogate
        #expect(firstInvalid([0xF4, 0x90, 0x80, 0x80]) == 0)              // above U+10FFFF
        #expect(firstInvalid(Array("abcdefgh".utf8) + [0xE2, 0x82]) == 8) // truncated at the end
        #expect(firstInvalid([0x80]) == 0)                                // a lone continuation byte
    }

    @Test func aRepeatedValidTokenIsNotRechecked() throws {
        // The interner's ids and the per-row fast path must still hand back the same token.
        let t = try parse(Array("id:token,name:token\n1,é\n2,é\n3,ü\n".utf8))
        #expect(t.column("name")!.tokens.strings == ["é", "ü"])
        #expect(t.column("name")!.tokenIDs == [0, 0, 1])
    }

    /// A table of `rows` plain rows with a few planted fields, and the line of each plant.
    static func plantedTable(rows: Int, plants: [Int: String]) -> String {
        var text = "user:token,when:float,kind:token\n"
        for r in 0..<rows { text += plants[r] ?? "u\(r % 37),\(1_700_000_000 + r).25,view\n" }
        return text
    }

    @Test func notesAndErrorsLateInTheFileKeepTheirLine() throws {
        // Row r sits on line r + 2. Missing and infinite values are noted, first one in file order.
        let table = Self.plantedTable(rows: 3000, plants: [1500: "u1,nan,view\n", 1900: "u1,,view\n", 2100: "u1,1e400,view\n",
                                                           2500: "u1,inf,view\n", 2700: ",5,view\n"])
        for c in BlockedReadingTests.configurations {
            let t = try parse(Array(table.utf8), c)
            let when = t.column("when")!
            #expect(when.firstMissing == FieldSite(line: 1502, column: 2, text: "nan"), "blocks of \(c.blockSize), \(c.threads) threads")
            #expect(when.firstInfinite == FieldSite(line: 2102, column: 2, text: "1e400"), "blocks of \(c.blockSize), \(c.threads) threads")
            #expect(t.column("user")!.firstMissing == FieldSite(line: 2702, column: 1, text: ""), "blocks of \(c.blockSize), \(c.threads) threads")
            #expect(t.column("kind")!.firstMissing == nil && t.column("kind")!.firstInfinite == nil)
        }
        let invalid = bytes(Self.plantedTable(rows: 3000, plants: [2400: "u1,5,caf#\n", 2600: "u1,5,caf#\n"]))
        for c in BlockedReadingTests.configurations {
            #expect(throws: DatasetError.csv(file: "t.csv", line: 2402, column: 3,
                                             message: "invalid UTF-8: byte 0xE9 in \"caf\\xE9\"; save the file as UTF-8"),
                    "blocks of \(c.blockSize), \(c.threads) threads") { try parse(invalid, c) }
        }
    }

    @Test func aNonFiniteTimestampLateInABigEventsFileNamesItsLine() throws {
        var events = "user_id:token,timestamp:float,event_type:token,item_id:token\n"
        for r in 0..<20_000 { events += r == 17_000 ? "u3,-inf,view,i1\n" : "u\(r % 50),\(1_700_000_000 + r),view,i\(r % 7)\n" }
        let files = ["events.csv": events, "labels.csv": "sample_id:token,user_id:token,label:float\ns1,u1,1\n"]
        #expect(throws: DatasetError.csv(file: "events.csv", line: 17_002, column: 2, message: "timestamp must be a finite number, found \"-inf\"")) {
            try withDataset(files) { try RawDataset.load(folder: $0) }
        }
    }
}
