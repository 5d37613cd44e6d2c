import Foundation

/// Where one field lies in the file's bytes. Quoted fields exclude their quotes; `escaped`
/// says doubled quotes inside must be collapsed.
struct FieldRange {
    var start: Int
    var end: Int
    var escaped: Bool
}

/// Receives the records a `DelimitedReader` finds.
protocol RecordConsumer {
    mutating func consume(line: Int, fields: UnsafeBufferPointer<FieldRange>, bytes: UnsafeBufferPointer<UInt8>) throws(DatasetError)
}

/// A byte-level reader of RFC 4180 delimited text (comma for .csv, tab for RecBole's .inter,
/// .user, .item): quoted fields with doubled quotes, CRLF or LF, a UTF-8 byte-order mark.
/// Errors name the file, the 1-based line of the record and the 1-based column.
struct DelimitedReader {
    let file: String
    let delimiter: UInt8

    init(file: String, delimiter: UInt8) {
        self.file = file
        self.delimiter = delimiter
    }

    static func delimiter(forPath path: String) -> UInt8 {
        let ext = (path as NSString).pathExtension.lowercased()
        return ["inter", "user", "item", "tsv", "kg", "link", "net"].contains(ext) ? UInt8(ascii: "\t") : UInt8(ascii: ",")
    }

    /// Hands every non-blank record of `b[start..<end]` to `consumer`. The range must begin at a
    /// record start and end at a record end (after a line feed outside quotes) or at the end of
    /// the file. `firstLine` is the 1-based line at `start`, `byteOffset` the file offset of
    /// `b[0]` (for messages). Returns the line after the range.
    func scan<Consumer: RecordConsumer>(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, firstLine: Int,
                                        byteOffset: Int, into consumer: inout Consumer) throws(DatasetError) -> Int {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), delim = delimiter
        // Bytes that end an unquoted field's run: the delimiter, CR, LF and a (misplaced) quote.
        var stops = (UInt64(0), UInt64(0))
        for c in [delim, lf, cr, quote] { if c < 64 { stops.0 |= 1 << UInt64(c) } else if c < 128 { stops.1 |= 1 << UInt64(c - 64) } }
        @inline(__always) func isStop(_ c: UInt8) -> Bool {
            c < 64 ? stops.0 >> UInt64(c) & 1 != 0 : (c < 128 && stops.1 >> UInt64(c &- 64) & 1 != 0)
        }
        // SWAR: a word's bytes equal to c are the zero bytes of w ^ (c × 0x01…01); the lowest set
        // bit of the mask below marks the first of them exactly (higher ones may be borrows).
        let ones: UInt64 = 0x0101_0101_0101_0101
        let delimWord = ones &* UInt64(delim), lfWord = ones &* UInt64(lf), crWord = ones &* UInt64(cr), quoteWord = ones &* UInt64(quote)
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & 0x8080_8080_8080_8080 }
        let base = b.baseAddress!
        var capacity = 64
        var fields = UnsafeMutablePointer<FieldRange>.allocate(capacity: capacity)
        defer { fields.deallocate() }
        var count = 0
        @inline(__always) func append(_ f: FieldRange) {
            if count == capacity {
                let larger = UnsafeMutablePointer<FieldRange>.allocate(capacity: capacity * 2)
                larger.moveInitialize(from: fields, count: count)
                fields.deallocate()
                fields = larger
                capacity *= 2
            }
            (fields + count).initialize(to: f)
            count += 1
        }

        let n = end
        var i = start
        if byteOffset + start == 0 && n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        var line = firstLine
        while i < n {
            let recordLine = line
            count = 0
            // A blank line ends nothing and holds nothing: skip it.
            if b[i] == lf { line += 1; i += 1; continue }
            if b[i] == cr && i + 1 < n && b[i + 1] == lf { line += 1; i += 2; continue }
            var atRecordEnd = false
            while !atRecordEnd {
                if i < n && b[i] == quote {
                    let open = i
                    i += 1
                    let fieldStart = i
                    var escaped = false
                    while true {
                        guard i < n else {
                            throw .csv(file: file, line: recordLine, column: count + 1,
                                       message: "unterminated quoted field (opened at byte \(byteOffset + open)); close it with a double quote")
                        }
                        if b[i] == quote {
                            if i + 1 < n && b[i + 1] == quote { escaped = true; i += 2; continue }
                            break
                        }
                        if b[i] == lf { line += 1 }
                        i += 1
                    }
                    append(FieldRange(start: fieldStart, end: i, escaped: escaped))
                    i += 1  // closing quote
                    if i < n && b[i] != delim && b[i] != lf && !(b[i] == cr && i + 1 < n && b[i + 1] == lf) && b[i] != cr {
                        throw .csv(file: file, line: line, column: count,
                                   message: "unexpected character \"\(Character(Unicode.Scalar(b[i])))\" after a closing quote; a quoted field must end at the delimiter")
                    }
                } else {
                    let fieldStart = i
                    // Eight bytes at a time while they last: the lowest byte equal to a stop byte.
                    while i + 8 <= n {
                        let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                        let m = zeroBytes(w ^ delimWord) | zeroBytes(w ^ lfWord) | zeroBytes(w ^ crWord) | zeroBytes(w ^ quoteWord)
                        if m != 0 { i += m.trailingZeroBitCount >> 3; break }
                        i += 8
                    }
                    while i < n && !isStop(b[i]) { i += 1 }
                    if i < n && b[i] == quote {
                        throw .csv(file: file, line: line, column: count + 1,
                                   message: "quote inside an unquoted field; quote the whole field and double the inner quote (\"\"\"\")")
                    }
                    append(FieldRange(start: fieldStart, end: i, escaped: false))
                }
                if i < n && b[i] == delim { i += 1; continue }
                // End of record: LF, CRLF, lone CR, or end of file.
                if i < n && b[i] == cr { i += 1 }
                if i < n && b[i] == lf { i += 1 }
                line += 1
                atRecordEnd = true
            }
            try consumer.consume(line: recordLine, fields: UnsafeBufferPointer(start: fields, count: count), bytes: b)
        }
        return line
    }

    /// A field's bytes with doubled quotes collapsed, into `out` (emptied first).
    static func collapseQuotes(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var i = f.start
        while i < f.end {
            out.append(b[i])
            i += b[i] == UInt8(ascii: "\"") && i + 1 < f.end && b[i + 1] == UInt8(ascii: "\"") ? 2 : 1
        }
    }

    /// A field's text (collapsing doubled quotes), for headers and messages.
    static func string(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>) -> String {
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[f.start..<f.end]), as: UTF8.self)
        return f.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }
}

/// Where a buffer of whole records may be cut: after a line feed outside quotes. Quotes are
/// counted from a record start, so an even count before a line feed means it ends a record
/// (in well-formed text; malformed text fails in the chunk that holds its first fault).
enum RecordBoundaries {
    /// Just after the last line feed of `b[start..<end]` that lies outside quotes.
    static func last(in b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n")
        let quotes = count(quote, in: b, from: start, to: end)
        var after = 0
        var i = end - 1
        while i >= start {
            let c = b[i]
            if c == lf && (quotes - after) & 1 == 0 { return i + 1 }
            if c == quote { after += 1 }
            i -= 1
        }
        return nil
    }

    /// Just after the first line feed at or after `from` (quotes counted from `start`) that lies
    /// outside quotes, if it comes before `end`.
    static func first(in b: UnsafeBufferPointer<UInt8>, start: Int, from: Int, to end: Int) -> Int? {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n")
        var quotes = count(quote, in: b, from: start, to: from)
        var i = from
        while i < end {
            let c = b[i]
            if c == lf && quotes & 1 == 0 { return i + 1 }
            if c == quote { quotes += 1 }
            i += 1
        }
        return nil
    }

    static func count(_ byte: UInt8, in b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var total = 0
        var i = start
        while i < end {
            // Chunks of at most 255 so the byte-wide sums vectorise without overflowing.
            let stop = min(end, i + 255)
            var partial: UInt8 = 0
            while i < stop { partial &+= b[i] == byte ? 1 : 0; i += 1 }
            total += Int(partial)
        }
        return total
    }
}
