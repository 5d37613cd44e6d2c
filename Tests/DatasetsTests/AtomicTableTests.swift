import Testing
@testable import Datasets

@Suite struct AtomicTableTests {
    func parse(_ text: String, delimiter: Character = ",") throws(DatasetError) -> AtomicTable {
        try AtomicTable.parse(bytes: Array(text.utf8), file: "t.csv", delimiter: delimiter.asciiValue!)
    }

    func expectError(_ text: String, line: Int, column: Int, containing fragment: String) {
        do {
            _ = try parse(text)
            Issue.record("expected an error for \(text.debugDescription)")
        } catch let DatasetError.csv(file, l, c, message) {
            #expect(file == "t.csv")
            #expect(l == line, "line for \(text.debugDescription): \(message)")
            #expect(c == column, "column for \(text.debugDescription): \(message)")
            #expect(message.contains(fragment), "message: \(message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func typedColumnsQuotesAndLineEndings() throws {
        let text = "\u{FEFF}user_id:token,age:float,tags:token_seq,scores:float_seq\r\n"
            + "u1,31,a b,1 2.5\r\n"
            + "\"u,2\",,\"b \"\"c\"\"\",\r\n"
            + "\n"
            + "u1,1e2,,3\n"
        let t = try parse(text)
        #expect(t.rowCount == 3)
        #expect(t.lines == [2, 3, 5])
        let users = t.column("user_id")!
        #expect(users.tokenIDs == [0, 1, 0])
        #expect(users.tokens.strings == ["u1", "u,2"])
        let ages = t.column("age")!.floatValues!
        #expect(ages[0] == 31 && ages[1].isNaN && ages[2] == 100)
        guard case let .tokenSequences(offsets, ids) = t.column("tags")!.values else { Issue.record("tags type"); return }
        #expect(offsets == [0, 2, 4, 4])
        #expect(ids.map { t.column("tags")!.tokens.string($0) } == ["a", "b", "b", "\"c\""])
        guard case let .floatSequences(fo, fv) = t.column("scores")!.values else { Issue.record("scores type"); return }
        #expect(fo == [0, 2, 2, 3] && fv == [1, 2.5, 3])
    }

    @Test func quotedFieldMaySpanLines() throws {
        let t = try parse("id:token,note:token\n1,\"two\nlines\"\n2,x\n")
        #expect(t.rowCount == 2)
        #expect(t.lines == [2, 4])
        #expect(t.column("note")!.tokens.strings == ["two\nlines", "x"])
    }

    @Test func recBoleTabSeparated() throws {
        let t = try parse("user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t10\t4\t881250949\n", delimiter: "\t")
        #expect(t.column("timestamp")!.floatValues == [881250949])
    }

    @Test func errorsNameFileLineAndColumn() {
        expectError("a:token,b:float\n1,2\n3,x\n", line: 3, column: 2, containing: "\"x\" is not a number")
        expectError("a:token,b:float\n1,2,3\n", line: 2, column: 3, containing: "expected 2 fields")
        expectError("a:token,b:float\n1\n", line: 2, column: 2, containing: "expected 2 fields")
        expectError("a:token,b:floaty\n", line: 1, column: 2, containing: "unknown column type \"floaty\"")
        expectError("a:token,b\n", line: 1, column: 2, containing: "is not name:type")
        expectError("a:token,a:float\n", line: 1, column: 2, containing: "appears twice")
        expectError("a:token,b:token\n1,\"open\n2,3\n", line: 2, column: 2, containing: "unterminated quoted field")
        expectError("a:token,b:token\n1,\"x\"y\n", line: 2, column: 2, containing: "after a closing quote")
        expectError("a:token,b:token\n1,x\"y\n", line: 2, column: 2, containing: "quote inside an unquoted field")
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: DatasetError.invalid(file: "t.csv", message: "is empty; the first line must be a typed header such as user_id:token,age:float")) {
            try parse("")
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: DatasetError.self) { try AtomicTable.read(path: "/nonexistent/events.csv") }
    }

    @Test func internerKeepsIdsStable() {
        var interner = TokenInterner(capacity: 2)
        let words = (0..<5000).map { "token-\($0 % 1234)" }
        let ids = words.map { interner.intern($0) }
        #expect(interner.count == 1234)
        for (w, id) in zip(words, ids) { #expect(interner.lookup(w) == id) }
        #expect(interner.string(ids[1233]) == "token-1233")
        #expect(interner.lookup("absent") == nil)
    }
}
